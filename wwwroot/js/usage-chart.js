// Draws a domain's disk use over time from the canvas's data-points attribute ([{t: ms, mb: number}]).
(function () {
    var canvas = document.getElementById('usage-chart');
    if (!canvas || typeof Chart === 'undefined') return;
    var points = JSON.parse(canvas.getAttribute('data-points') || '[]');
    if (points.length === 0) {
        canvas.classList.add('d-none');
        document.getElementById('usage-chart-empty').classList.remove('d-none');
        return;
    }
    new Chart(canvas, {
        type: 'line',
        data: {
            labels: points.map(function (p) { return new Date(p.t).toLocaleString(); }),
            datasets: [{ label: 'MB used', data: points.map(function (p) { return p.mb; }), fill: true, tension: 0.2 }]
        },
        options: { animation: false, scales: { y: { beginAtZero: true, title: { display: true, text: 'MB' } } } }
    });
})();
