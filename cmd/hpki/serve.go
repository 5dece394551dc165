package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// serveLocal serves handler on addr (warning when not a loopback address),
// prints "listening on http://ADDR/" once ready, and stops on SIGINT or
// SIGTERM.
func serveLocal(cmd *cobra.Command, addr string, handler http.Handler) error {
	if host, _, err := net.SplitHostPort(addr); err != nil || (host != "127.0.0.1" && host != "localhost" && host != "::1") {
		fmt.Fprintln(cmd.ErrOrStderr(), tr("warning: ", "警告: ")+sayf("listening on %s, not only on this machine", addr))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageError(fmt.Errorf("listening on %s: %w", addr, err))
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	fmt.Fprintln(cmd.OutOrStdout(), sayf("listening on http://%s/", ln.Addr()))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return failure(err)
	}
	return nil
}
