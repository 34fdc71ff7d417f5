// Behaviour of the dashboards, kept out of the pages so that the Content-Security-Policy allows
// no inline script: a <select data-autosubmit> submits its form when changed (tenant, language).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
