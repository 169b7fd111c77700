// Live character counter for the survey summary. Counts like the server
// (quizzes.surveys.models.count_summary_chars): newlines normalised, trimmed, in code
// points, so a Japanese character and an emoji both count as one.
(function () {
  "use strict";
  function count(text) {
    return Array.from(text.replace(/\r\n?/g, "\n").trim()).length;
  }
  function bind(counter) {
    var field = document.getElementById(counter.dataset.counterFor);
    if (!field) return;
    var min = parseInt(counter.dataset.min, 10);
    var max = parseInt(counter.dataset.max, 10);
    var output = counter.querySelector(".count");
    function update() {
      var n = count(field.value);
      output.textContent = String(n);
      counter.classList.toggle("too-short", n < min);
      counter.classList.toggle("too-long", n > max);
    }
    field.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-counter-for]").forEach(bind);
  });
})();
