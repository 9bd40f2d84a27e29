// Command cert-manager-controller runs cert-manager's real controllers from the
// importable library module. The upstream binary lives in a module the Go proxy
// cannot serve (cmd/controller declares .../controller-binary), and its config
// plumbing is under internal/, so this main fills controller.ContextOptions by
// hand with upstream's defaults and starts the registered controllers itself.
//
// It is a test fixture: no leader election, no webhook, no ACME solver pods.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/klog/v2"

	"github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/util"

	// Every controller registers itself in init(); only those imported exist in
	// controller.Known(). ACME, Vault and Venafi are left out on purpose: the
	// local control plane has no network to reach them.
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/ingresses"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/metrics"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"

	// Issuer implementations used by the issuers/clusterissuers controllers.
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// defaultControllers is upstream's default-enabled list minus the ACME/Vault/Venafi ones.
var defaultControllers = []string{
	"issuers",
	"clusterissuers",
	"certificates-metrics",
	"ingress-shim",
	"certificaterequests-approver",
	"certificaterequests-issuer-ca",
	"certificaterequests-issuer-selfsigned",
	"certificates-trigger",
	"certificates-issuing",
	"certificates-key-manager",
	"certificates-request-manager",
	"certificates-readiness",
	"certificates-revision-manager",
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "cert-manager-controller: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		kubeconfig       = flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "path to a kubeconfig file")
		clusterResNS     = flag.String("cluster-resource-namespace", "cert-manager", "namespace holding ClusterIssuer secrets")
		namespace        = flag.String("namespace", "", "namespace to watch (empty = all)")
		controllers      = flag.String("controllers", strings.Join(defaultControllers, ","), "comma-separated controllers to run")
		workers          = flag.Int("workers", 5, "concurrent workers per controller")
		minBackoff       = flag.Duration("certificate-request-minimum-backoff-duration", time.Hour, "first retry delay after a failed issuance")
		maxBackoff       = flag.Duration("certificate-request-maximum-backoff-duration", 32*time.Hour, "largest retry delay after failed issuances")
		metricsAddress   = flag.String("metrics-listen-address", "", "HOST:PORT for /metrics (empty = off)")
		healthAddress    = flag.String("health-listen-address", "", "HOST:PORT for /readyz, ok once informers have synced (empty = off)")
		defaultIssuer    = flag.String("default-issuer-name", "", "ingress-shim default issuer name")
		defaultIssuerKnd = flag.String("default-issuer-kind", "Issuer", "ingress-shim default issuer kind")
	)
	klog.InitFlags(flag.CommandLine) // -v=N
	flag.Parse()

	logf.InitLogs()
	defer logf.FlushLogs()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, "controller")
	log := logf.FromContext(ctx)

	known := controller.Known()
	enabled := strings.Split(*controllers, ",")
	for _, name := range enabled {
		if _, ok := known[name]; !ok {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("--controllers: unknown controller %q (known: %s)", name, strings.Join(names, ","))
		}
	}

	q := func(s string) resource.Quantity { return resource.MustParse(s) }
	factory, err := controller.NewContextFactory(ctx, controller.ContextOptions{
		Kubeconfig:         *kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		Namespace:          *namespace,
		IssuerOptions: controller.IssuerOptions{
			ClusterResourceNamespace:        *clusterResNS,
			ClusterIssuerAmbientCredentials: true,
			IssuerAmbientCredentials:        false,
		},
		ACMEOptions: controller.ACMEOptions{
			HTTP01SolverImage:                 "quay.io/jetstack/cert-manager-acmesolver:" + util.AppVersion,
			HTTP01SolverResourceRequestCPU:    q("10m"),
			HTTP01SolverResourceRequestMemory: q("64Mi"),
			HTTP01SolverResourceLimitsCPU:     q("100m"),
			HTTP01SolverResourceLimitsMemory:  q("64Mi"),
			ACMEHTTP01SolverRunAsNonRoot:      true,
			DNS01CheckAuthoritative:           true,
			DNS01CheckRetryPeriod:             10 * time.Second,
		},
		IngressShimOptions: controller.IngressShimOptions{
			DefaultIssuerName:                 *defaultIssuer,
			DefaultIssuerKind:                 *defaultIssuerKnd,
			DefaultIssuerGroup:                "cert-manager.io",
			DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"},
			GatewayAPIExtraProtocols:          sets.New[string](),
		},
		CertificateOptions: controller.CertificateOptions{
			EnableOwnerRef:                           false,
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: *minBackoff,
			CertificateRequestMaximumBackoffDuration: *maxBackoff,
		},
		SchedulerOptions: controller.SchedulerOptions{MaxConcurrentChallenges: 60},
	})
	if err != nil {
		return fmt.Errorf("building controller context: %w", err)
	}
	base, err := factory.Build()
	if err != nil {
		return fmt.Errorf("building base context: %w", err)
	}

	g, gctx := errgroup.WithContext(ctx)

	if *metricsAddress != "" {
		base.Metrics.SetupCertificateCollector(base.SharedInformerFactory.Certmanager().V1().Certificates().Lister())
		base.Metrics.SetupIssuerCollector(base.SharedInformerFactory.Certmanager().V1().Issuers().Lister())
		base.Metrics.SetupClusterIssuerCollector(base.SharedInformerFactory.Certmanager().V1().ClusterIssuers().Lister())
		ln, err := net.Listen("tcp", *metricsAddress)
		if err != nil {
			return fmt.Errorf("--metrics-listen-address: %w", err)
		}
		srv := base.Metrics.NewServer(ln)
		g.Go(func() error { return serveUntil(gctx, srv, ln) })
	}

	// Constructors ask the factories for informers, so every controller must be
	// built before the factories start (upstream does the same).
	for _, name := range enabled {
		iface, err := known[name](factory)
		if err != nil {
			return fmt.Errorf("constructing controller %q: %w", name, err)
		}
		log.V(logf.InfoLevel).Info("starting controller", "controller", name)
		g.Go(func() error { return iface.Run(*workers, gctx) })
	}
	base.SharedInformerFactory.Start(gctx.Done())
	base.KubeSharedInformerFactory.Start(gctx.Done())
	base.HTTP01ResourceMetadataInformersFactory.Start(gctx.Done())

	var ready atomic.Bool
	g.Go(func() error {
		base.SharedInformerFactory.WaitForCacheSync(gctx.Done())
		base.KubeSharedInformerFactory.WaitForCacheSync(gctx.Done())
		if gctx.Err() == nil {
			ready.Store(true)
			fmt.Fprintf(os.Stderr, "cert-manager-controller: %d controllers running, caches synced\n", len(enabled))
		}
		return nil
	})
	if *healthAddress != "" {
		ln, err := net.Listen("tcp", *healthAddress)
		if err != nil {
			return fmt.Errorf("--health-listen-address: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
			if !ready.Load() {
				http.Error(w, "caches not synced", http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ok"))
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		g.Go(func() error { return serveUntil(gctx, srv, ln) })
	}

	err = g.Wait()
	base.SharedInformerFactory.Shutdown()
	base.KubeSharedInformerFactory.Shutdown()
	base.HTTP01ResourceMetadataInformersFactory.Shutdown()
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener) error {
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
