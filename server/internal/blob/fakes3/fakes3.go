// Package fakes3 runs an in-memory S3-compatible server on the loopback
// interface, for tests and the benchmark: the object store of a deployment
// without one to hand.
package fakes3

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a running in-memory S3 server.
type Server struct {
	srv     *http.Server
	addr    string
	backend *s3mem.Backend
}

// Start serves an in-memory S3 on 127.0.0.1 with the given buckets created.
func Start(buckets ...string) (*Server, error) {
	backend := s3mem.New()
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			return nil, fmt.Errorf("fakes3: create bucket %s: %w", b, err)
		}
	}
	faker := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog()))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{srv: &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second}, addr: ln.Addr().String(), backend: backend}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the s3:// location of bucket on this server, with the keys every
// request is signed with (the server checks signatures, not who signs).
func (s *Server) URL(bucket string) string {
	return "s3://test:testsecret@" + bucket + "?endpoint=http://" + s.addr + "&region=us-east-1"
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
