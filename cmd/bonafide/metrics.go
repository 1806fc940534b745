package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"bonafide"
	"bonafide/httpapi"
	"bonafide/metrics"
)

// startMetrics serves GET /metrics on cfg.MetricsAddr, its own listener,
// with the API's request series (srv.Metrics, set here before srv's
// handler is built) and the store's (metrics.Collector). It returns a stop
// function and the metrics URL; without --metrics-addr it does nothing.
func startMetrics(ctx context.Context, cfg serveConfig, deps apiDeps, srv *httpapi.Server, logger *slog.Logger) (stop func(), url string, err error) {
	if cfg.MetricsAddr == "" {
		return func() {}, "", nil
	}
	ops, ok := srv.Assessments.(interface {
		bonafide.OpsReader
		LastAssessedSeq(ctx context.Context) (int64, error)
	})
	if !ok || deps.Cases == nil || deps.Audit == nil {
		return nil, "", fmt.Errorf("metrics: the store %T answers no operational queries", deps.Store)
	}
	reg := metrics.NewRegistry()
	if srv.Metrics, err = httpapi.NewMetrics(reg); err != nil {
		return nil, "", err
	}
	c := &metrics.Collector{Ops: ops, Cases: deps.Cases, Audit: deps.Audit, Now: srv.Now, Logger: logger}
	if err := c.Register(ctx, reg); err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, "", fmt.Errorf("metrics: %w", err)
	}
	hs := &http.Server{Handler: metrics.Handler(reg, cfg.MetricsToken, logger), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", slog.Any("error", err))
		}
	}()
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			hs.Close()
		}
		<-done
	}, "http://" + ln.Addr().String() + "/metrics", nil
}
