// Marks that scripts run, so the no-JavaScript fallbacks (every type's fields, submit buttons) can step aside.
document.documentElement.classList.add("js");

document.addEventListener("click", (event) => {
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    event.preventDefault();
    closer.closest("dialog")?.remove();
  }
});
