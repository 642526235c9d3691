package ingest

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	records *prometheus.CounterVec
	bad     *prometheus.CounterVec
	failed  *prometheus.CounterVec
	lag     *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	labels := []string{"workspace", "collection", "source"}
	m := &metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "basalt_source_records_total", Help: "Records read by collection sources."}, labels),
		bad:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "basalt_source_bad_records_total", Help: "Records that could not be decoded (kept in _meta.bad)."}, labels),
		failed:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "basalt_source_error_documents_total", Help: "Documents of source records that a transformation or the write refused (kept in _meta.bad)."}, labels),
		lag:     prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "basalt_source_consumer_lag", Help: "Records a source partition has not consumed yet."}, append(labels, "partition")),
	}
	if reg != nil {
		reg.MustRegister(m.records, m.bad, m.failed, m.lag)
	}
	return m
}
