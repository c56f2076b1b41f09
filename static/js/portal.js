// Behaviour of the layout, wired by data- attributes (the CSP allows no inline script).
//   data-nav-toggle      button that opens and closes the navigation on small screens
//   data-dropdown        <details> menu that closes on a click elsewhere or on Escape
//   data-autosubmit      select that submits its form when changed (language switcher)
//   data-tabs            a box of [data-tab] buttons that show the [data-tab-panel] of their name
//   data-formset         Django formset: [data-formset-add] appends a row from <template data-formset-empty>
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

function setUpTabs(box) {
  const tabs = [...box.querySelectorAll("[data-tab]")];
  tabs.forEach((tab) => {
    tab.addEventListener("click", () => {
      tabs.forEach((other) => other.setAttribute("aria-selected", String(other === tab)));
      box.querySelectorAll("[data-tab-panel]").forEach((panel) => {
        panel.hidden = panel.dataset.tabPanel !== tab.dataset.tab;
      });
    });
  });
}

// Rows are numbered by Django's formset: the new row takes the next number and TOTAL_FORMS grows.
function setUpFormset(set) {
  const add = set.querySelector("[data-formset-add]");
  const template = set.querySelector("template[data-formset-empty]");
  const rows = set.querySelector("[data-formset-rows]");
  const total = set.querySelector('input[name$="-TOTAL_FORMS"]');
  if (!add || !template || !rows || !total) return;
  add.addEventListener("click", () => {
    const index = Number(total.value);
    const row = template.content.cloneNode(true);
    row.querySelectorAll("[name], [id], label[for]").forEach((element) => {
      for (const attribute of ["name", "id", "for"]) {
        const value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replaceAll("__prefix__", String(index)));
      }
    });
    rows.append(row);
    total.value = String(index + 1);
    rows.lastElementChild?.querySelector("select, input")?.focus();
  });
}

function setUp(root) {
  root.querySelectorAll("[data-nav-toggle]").forEach(setUpNavToggle);
  root.querySelectorAll("[data-tabs]").forEach(setUpTabs);
  root.querySelectorAll("[data-formset]").forEach(setUpFormset);
  root.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form?.requestSubmit());
  });
}

setUp(document);
