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
	// compacted counts change-log entries removed; compactedAt is when this
	// server last compacted the log.
	compacted   prometheus.Counter
	compactedAt prometheus.Gauge
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
		compacted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "walkthrough_change_log_compacted_entries_total",
			Help: "Change-log entries removed by compaction: superseded entries, and tombstones older than the horizon.",
		}),
		compactedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "walkthrough_change_log_last_compaction_timestamp_seconds",
			Help: "When this server last compacted the change log of every district (Unix time); 0 before the first time.",
		}),
	}
	reg.MustRegister(m.changes, m.push, m.pending, m.compacted, m.compactedAt)
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

func (m *Metrics) compaction(removed int64, at time.Time) {
	if m != nil {
		m.compacted.Add(float64(removed))
		m.compactedAt.Set(float64(at.UnixNano()) / 1e9)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
