(function () {
  var root = document.getElementById('sote-directory');
  if (!root) return;
  var data = JSON.parse(document.getElementById('sote-directory-data').textContent);
  var tbody = root.querySelector('tbody'), input = root.querySelector('input'), count = root.querySelector('.sote-count');
  // the rows are in the page already (readable without scripts and in print): read them once
  data.rows = Array.prototype.map.call(tbody.rows, function (tr) {
    return Array.prototype.map.call(tr.cells, function (td) { return td.textContent; });
  });
  var sortKey = 0, sortDir = 1, fmt = root.getAttribute('data-shown');
  function render() {
    var q = input.value.trim().toLowerCase();
    var rows = data.rows.filter(function (r) { return !q || (r[0] + ' ' + r[1] + ' ' + r[2]).toLowerCase().indexOf(q) >= 0; });
    rows.sort(function (a, b) { return a[sortKey].localeCompare(b[sortKey], data.lang) * sortDir; });
    tbody.textContent = '';
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      r.forEach(function (v) { var td = document.createElement('td'); td.textContent = v; tr.appendChild(td); });
      tbody.appendChild(tr);
    });
    count.textContent = fmt.replace('{n}', rows.length).replace('{total}', data.rows.length);
  }
  root.querySelectorAll('th button').forEach(function (b, i) {
    b.addEventListener('click', function () {
      sortDir = (sortKey === i) ? -sortDir : 1; sortKey = i;
      root.querySelectorAll('th').forEach(function (th, j) {
        th.setAttribute('aria-sort', j === i ? (sortDir > 0 ? 'ascending' : 'descending') : 'none'); });
      render();
    });
  });
  input.addEventListener('input', render);
  root.querySelector('.sote-csv').addEventListener('click', function () {
    function cell(v) { v = String(v); if (/^[=+\-@\t\r]/.test(v)) v = "'" + v; return '"' + v.replace(/"/g, '""') + '"'; }
    var lines = [data.header.map(cell).join(';')].concat(data.rows.map(function (r) { return r.map(cell).join(';'); }));
    var blob = new Blob(['\ufeff' + lines.join('\r\n')], {type: 'text/csv;charset=utf-8'});
    var a = document.createElement('a'); a.href = URL.createObjectURL(blob); a.download = data.file;
    document.body.appendChild(a); a.click(); a.remove();
  });
  render();
})();
