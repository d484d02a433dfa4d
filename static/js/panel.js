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
    closer.closest("dialog")?.close();
  }
});

// Focus goes where a keyboard user expects after htmx replaces part of the page: back to the switch that
// was used, or where the link that asked says (the table's caption after paging and sorting).
let focusedId = null;
let dialogOpener = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  focusedId = document.activeElement?.id || null;
  if (event.detail.target?.id === "dialog") dialogOpener = event.detail.elt;
});
document.addEventListener("htmx:afterSettle", (event) => {
  const asked = event.detail.requestConfig?.elt?.dataset?.focusAfter;
  if (asked) {
    document.querySelector(asked)?.focus();
  } else if (focusedId && (document.activeElement === document.body || !document.activeElement)) {
    document.getElementById(focusedId)?.focus();
  }
});

// A dialog loaded by htmx opens as a real modal: focus stays inside, Escape closes it, and focus returns
// to the button that opened it.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "dialog") return;
  const dialog = event.detail.target.querySelector("dialog");
  if (!dialog) return;
  // Without JavaScript the dialog is shown open in the page; here it becomes modal instead (close() would
  // queue a "close" event that removes it).
  dialog.removeAttribute("open");
  dialog.addEventListener("close", () => { dialog.remove(); dialogOpener?.focus(); }, { once: true });
  dialog.showModal();
});

// Tab and Shift+Tab go round the open dialog's controls instead of leaving for the browser's own.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Tab") return;
  const dialog = document.querySelector("dialog[open]");
  if (!dialog) return;
  const controls = [...dialog.querySelectorAll("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])")]
    .filter((control) => !control.disabled);
  if (!controls.length) return;
  const first = controls[0], last = controls[controls.length - 1];
  if (event.shiftKey ? document.activeElement === first || !dialog.contains(document.activeElement)
                     : document.activeElement === last || !dialog.contains(document.activeElement)) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  // After a failed submit, the summary of what to fix takes focus, or else the first field refused (allauth's
  // forms, whose errors are at their fields): its error is part of its description, so it is read out.
  (document.getElementById("error-summary") ?? document.querySelector("main.allauth [aria-invalid='true']"))?.focus();
  // On a phone the filters start folded behind their button, so the table is on the first screen.
  const fold = document.querySelector(".filters-fold");
  if (fold && window.matchMedia("(max-width: 700px)").matches) fold.open = false;
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

// allauth's WebAuthn script only logs a passkey or security key that failed or was cancelled; say it on the page.
document.addEventListener("allauth.error", (event) => {
  event.preventDefault();
  tell(document.body.dataset.passkeyFailed);
});
