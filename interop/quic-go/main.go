// A quic-go 0.29 interop endpoint, built offline from Debian bookworm's
// packages (see ../build-quic-go.sh). It follows the same environment
// contract as our own interop/endpoint, so the runner can drive either:
//
//	ROLE=client|server, TESTCASE=<name> (exit 127 when unsupported)
//	server: WWW, CERTS (cert.pem, priv.key), HOST, PORT
//	client: REQUESTS (space-separated URLs), DOWNLOADS; CERTS/ca.pem if present
//	both:   SSLKEYLOGFILE, QLOGDIR
//
// It uses quic-go's public API and its interop/http09 package (HTTP/0.9 over
// ALPN hq-interop). Debian's own interop programs hard-code container paths
// and port 443, hence this program.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/lucas-clemente/quic-go"
	"github.com/lucas-clemente/quic-go/interop/http09"
	"github.com/lucas-clemente/quic-go/logging"
	"github.com/lucas-clemente/quic-go/qlog"
)

var errUnsupported = errors.New("unsupported test case")

func main() {
	keyLog, err := openKeyLog()
	if err != nil {
		fail(err)
	}
	if keyLog != nil {
		defer keyLog.Close()
	}
	testcase := os.Getenv("TESTCASE")
	switch os.Getenv("ROLE") {
	case "server":
		err = runServer(testcase, keyLog)
	case "client":
		err = runClient(testcase, keyLog)
	default:
		err = fmt.Errorf("ROLE must be client or server, not %q", os.Getenv("ROLE"))
	}
	if errors.Is(err, errUnsupported) {
		fmt.Printf("unsupported test case: %s\n", testcase)
		os.Exit(127)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "quic-go endpoint: %s\n", err)
	os.Exit(1)
}

func openKeyLog() (io.WriteCloser, error) {
	name := os.Getenv("SSLKEYLOGFILE")
	if name == "" {
		return nil, nil
	}
	return os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

func qlogTracer() logging.Tracer {
	dir := os.Getenv("QLOGDIR")
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail(err)
	}
	return qlog.NewTracer(func(p logging.Perspective, connID []byte) io.WriteCloser {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%x.qlog", connID)))
		if err != nil {
			return nil
		}
		return &bufferedFile{bufio.NewWriter(f), f}
	})
}

type bufferedFile struct {
	*bufio.Writer
	f *os.File
}

func (b *bufferedFile) Close() error {
	if err := b.Flush(); err != nil {
		return err
	}
	return b.f.Close()
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func runServer(testcase string, keyLog io.Writer) error {
	quicConf := &quic.Config{
		RequireAddressValidation: func(net.Addr) bool { return testcase == "retry" },
		// The multiplexing case: at most 1000 concurrent bidirectional streams.
		MaxIncomingStreams: 1000,
		Tracer:             qlogTracer(),
	}
	certs := envOr("CERTS", "/certs")
	cert, err := tls.LoadX509KeyPair(filepath.Join(certs, "cert.pem"), filepath.Join(certs, "priv.key"))
	if err != nil {
		return err
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, KeyLogWriter: keyLog}
	switch testcase {
	case "handshake", "transfer", "multiplexing", "retry", "versionnegotiation", "resumption", "multiconnect",
		"handshakeloss", "transferloss", "handshakecorruption", "transfercorruption", "blackhole",
		"longrtt", "amplificationlimit", "goodput":
	case "chacha20":
		tlsConf.CipherSuites = []uint16{tls.TLS_CHACHA20_POLY1305_SHA256}
	default:
		return errUnsupported
	}
	addr := net.JoinHostPort(envOr("HOST", ""), envOr("PORT", "443"))
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(envOr("WWW", "/www"))))
	server := &http09.Server{Server: &http.Server{Addr: addr, TLSConfig: tlsConf, Handler: mux}, QuicConfig: quicConf}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		server.Close()
		os.Exit(0)
	}()
	fmt.Printf("quic-go server listening on %s\n", addr)
	return server.ListenAndServe()
}

func runClient(testcase string, keyLog io.Writer) error {
	tlsConf := &tls.Config{KeyLogWriter: keyLog, InsecureSkipVerify: true}
	if pem, err := os.ReadFile(filepath.Join(envOr("CERTS", "/certs"), "ca.pem")); err == nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		tlsConf.RootCAs = pool
		tlsConf.InsecureSkipVerify = false
	}
	switch testcase {
	case "handshake", "transfer", "multiplexing", "retry", "handshakeloss", "transferloss",
		"handshakecorruption", "transfercorruption", "blackhole", "longrtt", "amplificationlimit", "goodput":
	case "chacha20":
		tlsConf.CipherSuites = []uint16{tls.TLS_CHACHA20_POLY1305_SHA256}
	default:
		return errUnsupported
	}
	rt := &http09.RoundTripper{TLSClientConfig: tlsConf, QuicConfig: &quic.Config{Tracer: qlogTracer()}}
	defer rt.Close()
	urls := strings.Fields(os.Getenv("REQUESTS"))
	downloads := envOr("DOWNLOADS", "/downloads")
	var wg sync.WaitGroup
	errs := make(chan error, len(urls))
	for _, u := range urls {
		wg.Add(1)
		go func(u string) {
			defer wg.Done()
			errs <- download(rt, u, downloads)
		}(u)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func download(rt http.RoundTripper, raw, dir string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		return err
	}
	rsp, err := rt.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("%s: %w", raw, err)
	}
	defer rsp.Body.Close()
	out, err := os.Create(filepath.Join(dir, filepath.Clean("/"+u.Path)))
	if err != nil {
		return err
	}
	defer out.Close()
	_, err = io.Copy(out, rsp.Body)
	return err
}
