// Behaviour of the layout, wired by data- attributes (the CSP allows no inline script).
//   data-nav-toggle      button that opens and closes the navigation on small screens
//   data-dropdown        <details> menu that closes on a click elsewhere or on Escape
//   data-autosubmit      select that submits its form when changed (language switcher)
//   <meta name="csrf-token">  Django's CSRF token, sent with every htmx request that changes state

document.documentElement.classList.add("js");

const SAFE_METHODS = /^(GET|HEAD|OPTIONS|TRACE)$/i;

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

// htmx 4 fires htmx:config:request before each request; Django's CsrfViewMiddleware reads the
// token from the X-CSRFToken header.
document.addEventListener("htmx:config:request", (event) => {
  const request = event.detail?.ctx?.request;
  if (request && !SAFE_METHODS.test(request.method ?? "GET")) {
    request.headers["X-CSRFToken"] = csrfToken();
  }
});

function setUpNavToggle(button) {
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) return;
  const setOpen = (open) => {
    button.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("is-open", open);
  };
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
}

function closeDropdowns(except) {
  document.querySelectorAll("details[data-dropdown][open]").forEach((menu) => {
    if (menu !== except) menu.open = false;
  });
}

document.addEventListener("click", (event) => {
  closeDropdowns(event.target.closest?.("details[data-dropdown]"));
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeDropdowns(null);
});

function setUp(root) {
  root.querySelectorAll("[data-nav-toggle]").forEach(setUpNavToggle);
  root.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form?.requestSubmit());
  });
}

setUp(document);
