package sync

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count pushed changes by status and time pushes.
type Metrics struct {
	changes *prometheus.CounterVec
	push    prometheus.Histogram
	pending prometheus.Gauge
}

// NewMetrics registers the sync collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "walkthrough_sync_changes_total",
			Help: "Pushed changes by result: applied, duplicate, conflict, gone, rejected, forbidden.",
		}, []string{"status"}),
		push: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "walkthrough_sync_push_duration_seconds",
			Help:    "Time to apply one push, all its changes.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "walkthrough_sync_changes_uncommitted",
			Help: "Changes of pushes in progress that have been applied and await their push's commit.",
		}),
	}
	reg.MustRegister(m.changes, m.push, m.pending)
	return m
}

func (m *Metrics) uncommitted(delta int) {
	if m != nil {
		m.pending.Add(float64(delta))
	}
}

func (m *Metrics) count(status string) {
	if m != nil {
		m.changes.WithLabelValues(status).Inc()
	}
}

func (m *Metrics) observePush(d time.Duration) {
	if m != nil {
		m.push.Observe(d.Seconds())
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
