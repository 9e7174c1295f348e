// Render every Vega-Lite chart on the page. Specs are JSON in <script type="application/json">
// (data, not code); vega-interpreter evaluates expressions without eval, so the strict CSP holds.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-vega-spec]").forEach(function (el) {
    var source = document.getElementById(el.dataset.vegaSpec);
    if (!source || typeof vegaEmbed === "undefined") return;
    var spec = JSON.parse(source.textContent);
    vegaEmbed(el, spec, {
      actions: false,
      // No injected <style> elements: the CSP allows our stylesheet only (see ketacare.css).
      defaultStyle: false,
      tooltip: { disableDefaultStyle: true },
      renderer: "svg",
      ast: true,
      expr: vega.expressionInterpreter,
    }).then(function () {
      // The container has role="img" and a label, and the same data is in a table beside
      // it; the SVG's own marks would only add unlabelled noise for screen readers.
      var svg = el.querySelector("svg");
      if (svg) svg.setAttribute("aria-hidden", "true");
    }).catch(function (err) {
      el.textContent = "The chart could not be drawn; the same data is in the table.";
      console.error(err);
    });
  });
});
