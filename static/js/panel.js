// Marks that scripts run, so the no-JavaScript fallbacks (every type's fields, submit buttons) can step aside.
document.documentElement.classList.add("js");

// Times are shown in the member's own time zone: the server reads it from this cookie.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
// Zone names ("Europe/Berlin") need no escaping in a cookie; the server checks them anyway.
if (zone && /^[A-Za-z0-9_+\/-]+$/.test(zone) && !document.cookie.split("; ").includes("tz=" + zone)) {
  const secure = location.protocol === "https:" ? "; secure" : "";
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax" + secure;
}

document.addEventListener("click", (event) => {
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    event.preventDefault();
    closer.closest("dialog")?.remove();
  }
});

// htmx swaps nothing on an error answer; without this a failed click would look like nothing happened.
function tell(text) {
  const box = document.getElementById("messages");
  if (!box) return;
  const alert = document.createElement("div");
  alert.className = "alert error";
  alert.setAttribute("role", "alert");
  alert.textContent = text;
  box.replaceChildren(alert);
}
document.addEventListener("htmx:responseError", () => tell(document.body.dataset.failed));
document.addEventListener("htmx:sendError", () => tell(document.body.dataset.offline));

// Near a field's limit, a counter says how much room is left, so that nothing is cut or refused by surprise.
const COUNTER_FROM = 20;
document.addEventListener("input", (event) => {
  const field = event.target;
  if (!(field instanceof HTMLInputElement) || field.maxLength <= 0 || !field.id) return;
  let counter = document.getElementById(field.id + "_counter");
  if (!counter) {
    counter = document.createElement("div");
    counter.id = field.id + "_counter";
    counter.className = "help counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
  }
  const left = field.maxLength - field.value.length;
  counter.hidden = left > COUNTER_FROM;
  counter.textContent = document.body.dataset.charactersLeft.replace("%(count)s", String(left));
});
