package api

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/errdex/errdex/internal/importer"
)

// metrics holds every Prometheus metric one Server exports on /metrics. Each
// Server has its own registry, so servers in parallel tests never collide.
//
// Other parts of api/ count through these fields; their names are stable:
//
//	s.metrics.cacheHits.Inc()      errdex_cache_hits_total
//	s.metrics.cacheMisses.Inc()    errdex_cache_misses_total
//	s.metrics.cacheEvictions.Inc() errdex_cache_evictions_total
type metrics struct {
	registry *prometheus.Registry

	requests *prometheus.CounterVec   // by method, route pattern, status
	duration *prometheus.HistogramVec // by method, route pattern, status
	// Requests being answered now, read at each scrape by the gauge
	// errdex_http_requests_in_flight: an atomic add is one instruction,
	// where a Gauge's Inc and Dec are compare-and-swap loops that every
	// request runs twice.
	inFlight atomic.Int64

	cacheHits      prometheus.Counter
	cacheMisses    prometheus.Counter
	cacheEvictions prometheus.Counter
	// Article writes applied to the cache, by scope (codes: the answers the
	// write touched; all: the whole cache), and the answers they dropped.
	cacheInvalidations *prometheus.CounterVec
	cacheInvalidated   prometheus.Counter
	// invalidationLinked is 1 while this process listens for every replica's
	// article writes; 0 while that link is down, when lookups pass its
	// cache by and go to the database.
	invalidationLinked prometheus.Gauge

	importRuns        *prometheus.CounterVec // by result: ok, failed
	importFailedFiles prometheus.Counter

	// series maps a method, route and status to their request counter and
	// duration histogram: finding them by label values hashes the labels
	// and takes a lock on every request. Label values are few (route
	// patterns, not paths), so additions stop soon after start.
	series memo[seriesKey, requestSeries]
}

type seriesKey struct {
	method, route string
	status        int
}

type requestSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// newMetrics registers errdex's metrics, the database pool's and the Go
// runtime's and process's on a fresh registry. unresolved reports the
// running count of lookups that found no article.
func newMetrics(pool *pgxpool.Pool, unresolved func() uint64) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "errdex_http_requests_total",
			Help: "HTTP requests answered, by method, chi route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "errdex_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, chi route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "errdex_cache_hits_total",
			Help: "Responses served from the response cache.",
		}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "errdex_cache_misses_total",
			Help: "Cacheable requests the response cache did not answer (all of them while errdex_cache_invalidation_linked is 0).",
		}),
		cacheEvictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "errdex_cache_evictions_total",
			Help: "Entries dropped from the response cache to make room or because they expired.",
		}),
		cacheInvalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "errdex_cache_invalidations_total",
			Help: "Article writes applied to the response cache, by scope: codes (the answers the write touched) or all (a bulk write, a lost notification link). A write through this process counts twice: at once, and when its notification comes back.",
		}, []string{"scope"}),
		cacheInvalidated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "errdex_cache_invalidated_total",
			Help: "Answers dropped from the response cache because an article write may have changed them.",
		}),
		invalidationLinked: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "errdex_cache_invalidation_linked",
			Help: "1 while this process is notified of article writes by any replica (its cache is coherent), else 0.",
		}),
		importRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "errdex_import_runs_total",
			Help: "Article imports run by this process, by result (ok, failed).",
		}, []string{"result"}),
		importFailedFiles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "errdex_import_failed_files_total",
			Help: "Article files that imports run by this process could not import.",
		}),
	}
	m.series.work = func(k seriesKey) requestSeries {
		code := strconv.Itoa(k.status)
		return requestSeries{m.requests.WithLabelValues(k.method, k.route, code), m.duration.WithLabelValues(k.method, k.route, code)}
	}
	reg.MustRegister(m.requests, m.duration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "errdex_http_requests_in_flight",
			Help: "HTTP requests being answered now.",
		}, func() float64 { return float64(m.inFlight.Load()) }),
		m.cacheHits, m.cacheMisses, m.cacheEvictions, m.cacheInvalidations, m.cacheInvalidated, m.invalidationLinked, m.importRuns, m.importFailedFiles,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "errdex_unresolved_lookups_total",
			Help: "Lookups of a valid code that found no article.",
		}, func() float64 { return float64(unresolved()) }),
		poolCollector{pool},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// Zero series, so dashboards show 0 rather than nothing before the first run.
	m.importRuns.WithLabelValues("ok")
	m.importRuns.WithLabelValues("failed")
	m.cacheInvalidations.WithLabelValues("codes")
	m.cacheInvalidations.WithLabelValues("all")
	return m
}

// setInvalidationLinked records whether the cache's invalidation link is up.
func (m *metrics) setInvalidationLinked(up bool) {
	if up {
		m.invalidationLinked.Set(1)
	} else {
		m.invalidationLinked.Set(0)
	}
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// observe counts one answered request. route is the chi pattern, never the
// raw path, and unknown methods share one label, so label values stay few.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	rs := m.series.get(seriesKey{method, route, status})
	rs.requests.Inc()
	rs.duration.Observe(d.Seconds())
}

// ObserveImport counts an import run by this process (such as the seed
// import of `errdex serve`): failed when it returned an error or any file
// failed.
func (s *Server) ObserveImport(rep *importer.Report, err error) {
	result := "ok"
	if err != nil || (rep != nil && rep.Failed > 0) {
		result = "failed"
	}
	s.metrics.importRuns.WithLabelValues(result).Inc()
	if rep != nil {
		s.metrics.importFailedFiles.Add(float64(rep.Failed))
	}
}

// handleMetrics answers GET /metrics.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s.metrics.handler().ServeHTTP(w, r)
}

// poolCollector reads the pgx pool's statistics at every scrape.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolAcquired     = prometheus.NewDesc("errdex_db_pool_acquired_conns", "Connections in use.", nil, nil)
	poolIdle         = prometheus.NewDesc("errdex_db_pool_idle_conns", "Idle connections.", nil, nil)
	poolConstructing = prometheus.NewDesc("errdex_db_pool_constructing_conns", "Connections being opened.", nil, nil)
	poolTotal        = prometheus.NewDesc("errdex_db_pool_total_conns", "Connections open or opening.", nil, nil)
	poolMax          = prometheus.NewDesc("errdex_db_pool_max_conns", "Most connections the pool may open.", nil, nil)
	poolAcquires     = prometheus.NewDesc("errdex_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	poolAcquireSecs  = prometheus.NewDesc("errdex_db_pool_acquire_seconds_total", "Time spent acquiring connections.", nil, nil)
	poolEmptyWaits   = prometheus.NewDesc("errdex_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil)
	poolCanceled     = prometheus.NewDesc("errdex_db_pool_canceled_acquires_total", "Acquires abandoned because their context ended.", nil, nil)
	poolNewConns     = prometheus.NewDesc("errdex_db_pool_new_conns_total", "Connections opened.", nil, nil)
	poolLifetimeEnds = prometheus.NewDesc("errdex_db_pool_max_lifetime_closed_total", "Connections closed at their maximum lifetime.", nil, nil)
	poolIdleEnds     = prometheus.NewDesc("errdex_db_pool_max_idle_closed_total", "Connections closed after idling too long.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolConstructing, poolTotal, poolMax,
		poolAcquires, poolAcquireSecs, poolEmptyWaits, poolCanceled, poolNewConns, poolLifetimeEnds, poolIdleEnds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, float64(st.AcquiredConns()))
	gauge(poolIdle, float64(st.IdleConns()))
	gauge(poolConstructing, float64(st.ConstructingConns()))
	gauge(poolTotal, float64(st.TotalConns()))
	gauge(poolMax, float64(st.MaxConns()))
	counter(poolAcquires, float64(st.AcquireCount()))
	counter(poolAcquireSecs, st.AcquireDuration().Seconds())
	counter(poolEmptyWaits, float64(st.EmptyAcquireCount()))
	counter(poolCanceled, float64(st.CanceledAcquireCount()))
	counter(poolNewConns, float64(st.NewConnsCount()))
	counter(poolLifetimeEnds, float64(st.MaxLifetimeDestroyCount()))
	counter(poolIdleEnds, float64(st.MaxIdleDestroyCount()))
}
