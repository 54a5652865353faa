// Pickers offer only what the store holds: a gemeente option lists the levels it has
// boundaries at (data-levels); choosing a level hides the gemeenten without it (the "all
// gemeenten" option lists the levels a page can show for the whole country).
(function () {
  document.querySelectorAll("form").forEach(function (form) {
    var level = form.querySelector("select[name=level]");
    var gemeente = form.querySelector("select[name=municipality]");
    if (!level || !gemeente) return;
    function sync() {
      var chosen = level.value;
      var firstVisible = null;
      Array.prototype.forEach.call(gemeente.options, function (option) {
        var levels = (option.dataset.levels || "").split(" ");
        var show = option.dataset.levels === undefined || levels.indexOf(chosen) >= 0;
        option.hidden = !show;
        option.disabled = !show;
        if (show && firstVisible === null) firstVisible = option;
      });
      var current = gemeente.options[gemeente.selectedIndex];
      if ((!current || current.disabled) && firstVisible) firstVisible.selected = true;
    }
    level.addEventListener("change", sync);
    sync();
  });
})();
