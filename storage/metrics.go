package storage

import "github.com/prometheus/client_golang/prometheus"

// metrics are the engine's Prometheus metrics.
type metrics struct {
	commits          prometheus.Counter
	commitOps        prometheus.Counter
	commitSeconds    prometheus.Histogram
	backpressure     prometheus.Counter
	sealBoosts       prometheus.Counter
	sealBacklog      prometheus.Counter
	sealYield        prometheus.Counter
	seals            prometheus.Counter
	sealSeconds      prometheus.Histogram
	sealRows         prometheus.Counter
	compactions      prometheus.Counter
	compactionRows   prometheus.Counter
	retentionExpired prometheus.Counter
	retentionDropped prometheus.Counter

	reg        prometheus.Registerer
	registered []prometheus.Collector
}

// newMetrics makes the engine's metrics; blockCache (nil: none) reports
// the bytes the block cache holds, primaryKeys those of the in-memory
// primary-key indexes, rowLog those of the row logs' files.
func newMetrics(reg prometheus.Registerer, blockCache, primaryKeys, rowLog func() int64) *metrics {
	m := &metrics{
		commits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_commits_total", Help: "Synced commits (each groups one or more write requests)."}),
		commitOps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_commit_ops_total", Help: "Document operations committed, errors included."}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "basalt_storage_commit_seconds", Help: "Time to commit and publish one group.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		backpressure: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_backpressure_waits_total", Help: "Times a committer waited for the sealer."}),
		sealBoosts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_seal_boosts_total", Help: "Seals that took one more core because committers waited for them."}),
		sealBacklog: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_seal_backlog_total", Help: "Seals that took every core because more frozen segments waited for the sealer."}),
		sealYield: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_seal_yield_seconds_total", Help: "Time segment writes paused to leave the CPU to running queries (and compactions to seals)."}),
		seals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_seals_total", Help: "Mutable segments sealed into segment files."}),
		sealSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "basalt_storage_seal_seconds", Help: "Time to seal one segment.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)}),
		sealRows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_seal_rows_total", Help: "Rows written into segment files by seals."}),
		compactions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_compactions_total", Help: "Segment compactions."}),
		compactionRows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_compaction_rows_total", Help: "Rows rewritten by compactions: with seal_rows_total, the write amplification."}),
		retentionExpired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_retention_expired_rows_total", Help: "Rows deleted by retention one by one."}),
		retentionDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "basalt_storage_retention_dropped_segments_total", Help: "Segments dropped whole by retention."}),
	}
	if reg != nil {
		m.reg = reg
		m.registered = []prometheus.Collector{m.commits, m.commitOps, m.commitSeconds, m.backpressure, m.sealBoosts, m.sealBacklog, m.sealYield, m.seals, m.sealSeconds,
			m.sealRows, m.compactions, m.compactionRows, m.retentionExpired, m.retentionDropped}
		if blockCache != nil {
			m.registered = append(m.registered, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "basalt_storage_block_cache_bytes", Help: "Segment blocks held for queries and reads by _id: column and row blocks decompressed, index blocks as stored."},
				func() float64 { return float64(blockCache()) }))
		}
		m.registered = append(m.registered, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "basalt_storage_primary_key_index_bytes", Help: "Memory of the in-memory primary-key indexes (_id → row) of all collections."},
			func() float64 { return float64(primaryKeys()) }))
		m.registered = append(m.registered, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "basalt_storage_row_log_bytes", Help: "Bytes of the row logs: committed rows not yet sealed into segment files."},
			func() float64 { return float64(rowLog()) }))
		reg.MustRegister(m.registered...)
	}
	return m
}

// unregister removes the metrics from the registry, so that an engine can
// be opened again on the same registry after Close.
func (m *metrics) unregister() {
	for _, c := range m.registered {
		m.reg.Unregister(c)
	}
	m.registered = nil
}
