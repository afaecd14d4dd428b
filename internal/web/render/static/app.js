// Atrium's pages work without this file. It only adds comforts:
// a confirmation before destructive buttons, a copy button for new tokens
// and a question before leaving a section editor with unsaved text.
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

// A long text typed into a section is easy to lose with one click on a
// link: forms marked data-unsaved ask before the page is left unsaved.
document.querySelectorAll("form[data-unsaved]").forEach(function (form) {
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
});
