// Atrium's pages work without this file. It only adds comforts:
// a confirmation before destructive buttons and a copy button for new tokens.
"use strict";

document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.querySelectorAll("[data-copy]").forEach(function (button) {
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }, function () {
      field.select();
    });
  });
});

// Selecting the whole token on focus makes copying by keyboard one step.
document.querySelectorAll("input.secret").forEach(function (field) {
  field.addEventListener("focus", function () { field.select(); });
});
