// "Select all on this page" for the staff application list. Without
// JavaScript the checkbox stays hidden and staff tick rows one by one (or
// use "apply to all matching").
document.addEventListener("change", (event) => {
  const toggle = event.target.closest("[data-select-all]");
  if (!toggle) return;
  const form = toggle.closest("form");
  form.querySelectorAll('input[name="selected"]').forEach((box) => {
    box.checked = toggle.checked;
  });
});
document.addEventListener("htmx:load", () => {
  document.querySelectorAll("[data-select-all][hidden]").forEach((toggle) => {
    toggle.hidden = false;
  });
});
document.querySelectorAll("[data-select-all][hidden]").forEach((toggle) => {
  toggle.hidden = false;
});
