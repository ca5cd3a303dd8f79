// Draws disk use over time from the canvas's data-points attribute ([{t: ms, mb: number}]), on a time-proportional
// x axis (points are hourly, daily or irregular). data-stepped="true": a value holds until the next point (a
// mailbox's history has a point only where its use changed), so the line steps instead of sloping.
(function () {
    var canvas = document.getElementById('usage-chart');
    if (!canvas || typeof Chart === 'undefined') return;
    var points = JSON.parse(canvas.getAttribute('data-points') || '[]');
    if (points.length === 0) {
        canvas.classList.add('d-none');
        document.getElementById('usage-chart-empty').classList.remove('d-none');
        return;
    }
    var stepped = canvas.getAttribute('data-stepped') === 'true' ? 'after' : false;
    var span = points[points.length - 1].t - points[0].t;
    var label = function (ms) {
        var d = new Date(ms);
        return span > 3 * 86400000 ? d.toLocaleDateString() : d.toLocaleString();
    };
    new Chart(canvas, {
        type: 'line',
        data: {
            datasets: [{
                label: 'MB used', fill: true, tension: stepped ? 0 : 0.2, stepped: stepped,
                data: points.map(function (p) { return { x: p.t, y: p.mb }; })
            }]
        },
        options: {
            animation: false, parsing: true,
            scales: {
                x: { type: 'linear', ticks: { maxTicksLimit: 8, callback: label } },
                y: { beginAtZero: true, title: { display: true, text: 'MB' } }
            },
            plugins: { tooltip: { callbacks: { title: function (items) { return new Date(items[0].parsed.x).toLocaleString(); } } } }
        }
    });
})();
