// Keyboard review of summaries (the shortcuts are listed on the page):
// j/n next, k/p previous, a accept, r needs revision (comment first, then
// Ctrl+Enter), x select for bulk accept, Esc leaves the comment box.
// Without JavaScript every row keeps its own buttons.
(() => {
  let current = 0;
  let advanceFrom = null; // the id of the row just reviewed by keyboard

  const rows = () => Array.from(document.querySelectorAll("[data-review-row]"));

  function mark(index, focus = true) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => {
      row.classList.toggle("current", i === current);
      if (i === current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    const row = all[current];
    row.tabIndex = -1;
    if (focus) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  const isTyping = (el) => el && el.closest("textarea, input, select, [contenteditable]");

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.metaKey) return;
    const row = rows()[current];
    if (event.target.matches("[data-review-row] textarea")) {
      if (event.key === "Enter" && event.ctrlKey) {
        event.preventDefault();
        const button = event.target.form.querySelector('[data-review-key="r"]');
        advanceFrom = event.target.closest("[data-review-row]").id;
        button.click(); // htmx sends the button clicked (its name and value)
      } else if (event.key === "Escape") {
        event.target.blur();
        mark(current);
      }
      return;
    }
    if (event.ctrlKey || isTyping(event.target) || !row) return;
    switch (event.key) {
      case "j":
      case "n":
        mark(current + 1);
        break;
      case "k":
      case "p":
        mark(current - 1);
        break;
      case "a": {
        const button = row.querySelector('[data-review-key="a"]');
        advanceFrom = row.id;
        button.click();
        break;
      }
      case "r":
        row.querySelector("textarea").focus();
        break;
      case "x": {
        const box = row.querySelector('input[name="selected"]');
        if (box) box.checked = !box.checked;
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    const row = event.target.closest("[data-review-row]");
    if (row) mark(rows().indexOf(row), false);
  });

  document.addEventListener("change", (event) => {
    const toggle = event.target.closest(".review-queue [data-select-all]");
    if (!toggle) return;
    document.querySelectorAll('.review-queue input[name="selected"]').forEach((box) => {
      box.checked = toggle.checked;
    });
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail && event.detail.elt;
    if (target && target.id === "summaries") {
      mark(0, false);
    } else if (advanceFrom) {
      const row = document.getElementById(advanceFrom);
      if (row) {
        const index = rows().indexOf(row);
        const failed = row.querySelector(".field-errors");
        mark(failed ? index : index + 1);
        if (failed) row.querySelector("textarea").focus();
      }
      advanceFrom = null;
    }
    showSelectAll();
  });

  function showSelectAll() {
    document.querySelectorAll(".review-queue [data-select-all][hidden]").forEach((t) => {
      t.hidden = false;
    });
  }

  showSelectAll();
  mark(0, false);
})();
