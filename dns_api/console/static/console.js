// dns-api console: small progressive enhancements. Every page works without this file.
"use strict";

// <button data-copy="#id">: copy the text of that element.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(
    () => { button.textContent = "Copied"; },
    () => { button.textContent = "Select and copy"; }
  );
});

// <form data-confirm="question">: ask before sending.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// <input data-match-url="/console/tokens/match" data-match-target="#id">: show, as the pattern
// is typed, which example names it matches (the server answers with a small HTML fragment).
let matchTimer = null;
document.addEventListener("input", (event) => {
  const input = event.target.closest("[data-match-url]");
  if (!input) return;
  clearTimeout(matchTimer);
  matchTimer = setTimeout(async () => {
    const target = document.querySelector(input.dataset.matchTarget);
    if (!target) return;
    const form = input.form;
    const params = new URLSearchParams();
    for (const field of form.querySelectorAll("[data-match-field]")) params.append(field.name, field.value);
    const response = await fetch(input.dataset.matchUrl + "?" + params.toString(), { credentials: "same-origin" });
    if (response.ok || response.status === 422) target.innerHTML = await response.text();
  }, 250);
});
