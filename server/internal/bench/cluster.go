package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"
)

// Cluster is several servers on one database behind one load balancer: a
// reverse proxy on a free port of 127.0.0.1 that sends each request to the
// next server in turn, and to the one after when a server refuses the
// connection (a stopped server received nothing, so nothing is sent twice).
// A request a server dies in the middle of answers 502, as a load balancer
// would; the device retries it.
type Cluster struct {
	BaseURL string
	bin     string
	dbURL   string
	env     []string

	mu      gosync.Mutex
	servers []*Server
	dirs    []string
	next    atomic.Uint64
	srv     *http.Server
	// transport keeps connections to the servers open between requests,
	// as a load balancer does (Go's default keeps two per server).
	transport *http.Transport
}

// StartCluster starts n servers of bin on databaseURL, each with its own
// data directory under dir and env added, and the proxy in front of them.
func StartCluster(ctx context.Context, bin, databaseURL, dir string, n int, env ...string) (*Cluster, error) {
	c := &Cluster{bin: bin, dbURL: databaseURL, env: env,
		transport: &http.Transport{MaxIdleConns: 400, MaxIdleConnsPerHost: 200, IdleConnTimeout: time.Minute}}
	for i := range n {
		d := filepath.Join(dir, fmt.Sprintf("server-%d", i+1))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		s, err := StartServer(ctx, bin, databaseURL, d, env...)
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.servers, c.dirs = append(c.servers, s), append(c.dirs, d)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.Stop()
		return nil, err
	}
	c.BaseURL = "http://" + ln.Addr().String()
	c.srv = &http.Server{Handler: http.HandlerFunc(c.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

// errRefused marks a server that did not take the connection.
var errRefused = errors.New("connection refused")

func (c *Cluster) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	servers := append([]*Server(nil), c.servers...)
	c.mu.Unlock()
	start := int(c.next.Add(1))
	for i := range servers {
		s := servers[(start+i)%len(servers)]
		if s == nil {
			continue
		}
		target, _ := url.Parse(s.BaseURL)
		refused := false
		p := httputil.NewSingleHostReverseProxy(target)
		p.Transport = c.transport
		p.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				refused = true
				return
			}
			http.Error(w, "the server went away: "+err.Error(), http.StatusBadGateway)
		}
		p.ServeHTTP(w, r)
		if !refused {
			return
		}
	}
	http.Error(w, "no server is up", http.StatusBadGateway)
}

// Kill ends server i at once (SIGKILL), as a crash or an evicted pod.
func (c *Cluster) Kill(i int) error {
	c.mu.Lock()
	s := c.servers[i]
	c.servers[i] = nil
	c.mu.Unlock()
	if s == nil {
		return fmt.Errorf("server %d is not running", i+1)
	}
	return s.Kill()
}

// Restart starts server i again on its data directory and puts it back
// behind the proxy once it is ready.
func (c *Cluster) Restart(ctx context.Context, i int) error {
	s, err := StartServer(ctx, c.bin, c.dbURL, c.dirs[i], c.env...)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.servers[i] = s
	c.mu.Unlock()
	return nil
}

// Memory is the servers' resident memory now, summed.
func (c *Cluster) Memory() (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum int64
	for _, s := range c.servers {
		if s == nil {
			continue
		}
		rss, _, err := s.Memory()
		if err != nil {
			return 0, err
		}
		sum += rss
	}
	return sum, nil
}

// Logs are the servers' error lines, for a report that something failed.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for _, d := range c.dirs {
		out, _ := os.ReadFile(filepath.Join(d, "server.log"))
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, `"level":"ERROR"`) {
				b.WriteString(filepath.Base(d) + ": " + l + "\n")
			}
		}
	}
	return b.String()
}

// Stop stops the proxy and every server.
func (c *Cluster) Stop() {
	if c.srv != nil {
		_ = c.srv.Close()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.servers {
		if s != nil {
			_ = s.Stop()
			c.servers[i] = nil
		}
	}
}
