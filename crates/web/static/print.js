// Print button of the printable service guide (inline scripts are not allowed by the CSP).
document.addEventListener("DOMContentLoaded", function () {
  var b = document.getElementById("print-now");
  if (b) { b.addEventListener("click", function () { window.print(); }); }
});
