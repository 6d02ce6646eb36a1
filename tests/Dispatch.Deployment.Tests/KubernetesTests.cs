using YamlDotNet.RepresentationModel;
using static Dispatch.Deployment.Tests.Repository;

namespace Dispatch.Deployment.Tests;

/// <summary>
/// The manifests under k8s/, checked statically against the code: keys, ports, probe paths, and what the issue asks
/// of each. Redis is a cluster of six pods behind a headless Service, formed by a Job that waits for every pod, and
/// every service lists every pod.
/// </summary>
public class KubernetesTests
{
    private static readonly string[] Files =
    [
        .. Directory.GetFiles(PathOf("k8s"), "*.yaml").Select(Path.GetFileName).OfType<string>().Order(),
    ];
    private static readonly IReadOnlyList<YamlMappingNode> All =
    [
        .. Files.Where(f => f != "kustomization.yaml").SelectMany(f => Documents($"k8s/{f}")),
    ];
    private static readonly string[] HealthPaths = ["/health/live", "/health/ready", "/health/startup"];

    private static IEnumerable<YamlMappingNode> OfKind(string kind) => All.Where(d => d.Text("kind") == kind);

    private static YamlMappingNode Named(string kind, string name) =>
        OfKind(kind).Single(d => d.Text("metadata", "name") == name);

    private static YamlMappingNode Container(string deployment) =>
        (YamlMappingNode)Named("Deployment", deployment).Items("spec", "template", "spec", "containers").Single();

    private static Dictionary<string, YamlMappingNode> Env(YamlMappingNode container) =>
        container.Items("env").Cast<YamlMappingNode>().ToDictionary(e => e.Text("name")!, e => e);

    [Fact]
    public void Every_manifest_is_valid_yaml_in_the_dispatch_namespace_and_listed_by_kustomize()
    {
        var listed = Documents("k8s/kustomization.yaml")
            .Single()
            .Items("resources")
            .Select(r => ((YamlScalarNode)r).Value)
            .Order();
        Assert.Equal(Files.Where(f => f != "kustomization.yaml"), listed);
        Assert.All(
            All.Where(d => d.Text("kind") != "Namespace"),
            d => Assert.Equal("dispatch", d.Text("metadata", "namespace"))
        );
        var kinds = All.GroupBy(d => d.Text("kind")!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["Namespace"] = 1,
                ["ConfigMap"] = 1,
                ["Service"] = 3,
                ["StatefulSet"] = 1,
                ["ServiceAccount"] = 1,
                ["Role"] = 1,
                ["RoleBinding"] = 1,
                ["Deployment"] = 3,
                ["PodDisruptionBudget"] = 4,
                ["HorizontalPodAutoscaler"] = 2,
                ["NetworkPolicy"] = 2,
                ["Job"] = 1,
            }.OrderBy(k => k.Key),
            kinds.OrderBy(k => k.Key)
        );
    }

    [Theory]
    [InlineData("dispatch-silo", "Silo")]
    [InlineData("dispatch-ingest", "Ingest")]
    [InlineData("dispatch-api", "Api")]
    public void Deployments_set_only_keys_the_code_reads_and_probe_the_health_endpoints_on_their_ports(
        string deployment,
        string project
    )
    {
        var container = Container(deployment);
        var env = Env(container);
        var known = KeysOf(project);
        foreach (var name in env.Keys)
            if (KeyOf(name) is { } key)
                Assert.True(
                    known.Contains(key),
                    $"{deployment}: {name} sets {key}, which Dispatch.{project} does not read"
                );
        var ports = container
            .Items("ports")
            .Cast<YamlMappingNode>()
            .ToDictionary(p => p.Text("name")!, p => p.Text("containerPort")!);
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Assert.True(container.At(probe) is not null, $"{deployment} has no {probe}");
            if (container.At(probe, "httpGet") is { } http)
            {
                Assert.Contains(http.Text("path"), HealthPaths);
                var port = ports[http.Text("port")!];
                Assert.Contains(env.Values.Select(v => v.Text("value")), v => v == port);
            }
            else
            {
                Assert.Contains(container.Text(probe, "grpc", "port"), ports.Values);
            }
        }
        Assert.NotNull(container.At("resources", "requests", "cpu"));
        Assert.NotNull(container.At("resources", "requests", "memory"));
        Assert.True(
            OfKind("PodDisruptionBudget").Any(p => p.Text("spec", "selector", "matchLabels", "app") == deployment),
            $"{deployment} has no PodDisruptionBudget"
        );
    }

    [Fact]
    public void The_silos_carry_the_orleans_kubernetes_labels_environment_and_rbac()
    {
        var labels = Named("Deployment", "dispatch-silo").At("spec", "template", "metadata", "labels")!;
        Assert.Equal("dispatch", labels.Text("orleans/serviceId"));
        Assert.Equal("dispatch", labels.Text("orleans/clusterId"));
        var env = Env(Container("dispatch-silo"));
        foreach (
            var name in new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID" }
        )
            Assert.True(env.ContainsKey(name), $"the silo lacks {name}");
        Assert.Equal("true", env["Orleans__Kubernetes"].Text("value"));
        var account = Named("Deployment", "dispatch-silo").Text("spec", "template", "spec", "serviceAccountName");
        var binding = OfKind("RoleBinding").Single(b => b.Items("subjects").Any(s => s.Text("name") == account));
        var verbs = Named("Role", binding.Text("roleRef", "name")!)
            .Items("rules")
            .SelectMany(r => r.Items("verbs"))
            .Select(v => ((YamlScalarNode)v).Value);
        Assert.Superset(new HashSet<string?> { "get", "list", "watch", "delete" }, verbs.ToHashSet());
    }

    private static YamlMappingNode RedisContainer =>
        (YamlMappingNode)Named("StatefulSet", "redis").Items("spec", "template", "spec", "containers").Single();

    /// <summary>Every pod of the Redis StatefulSet, named under the headless Service, with the client port.</summary>
    private static List<string> RedisNodes()
    {
        var redis = Named("StatefulSet", "redis");
        var port = RedisContainer.Items("ports").Single(p => p.Text("name") == "redis").Text("containerPort");
        var service = redis.Text("spec", "serviceName");
        var pods = int.Parse(redis.Text("spec", "replicas")!);
        return [.. Enumerable.Range(0, pods).Select(i => $"{redis.Text("metadata", "name")}-{i}.{service}:{port}")];
    }

    private static string? Flag(IReadOnlyList<string?> args, string flag) =>
        args.ToList().IndexOf(flag) is var at and >= 0 && at + 1 < args.Count ? args[at + 1] : null;

    [Fact]
    public void Redis_is_a_cluster_of_six_nodes_each_keeping_an_append_only_file_and_its_cluster_state_on_a_volume()
    {
        var redis = Named("StatefulSet", "redis");
        Assert.Equal(6, RedisNodes().Count);
        var args = RedisContainer.Items("args").Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Equal(
            ("yes", "yes", "everysec"),
            (Flag(args, "--cluster-enabled"), Flag(args, "--appendonly"), Flag(args, "--appendfsync"))
        );
        var data = RedisContainer.Items("volumeMounts").Single().Text("mountPath");
        Assert.Equal(data, Flag(args, "--dir"));
        Assert.StartsWith($"{data}/", Flag(args, "--cluster-config-file"));
        Assert.NotEmpty(redis.Items("spec", "volumeClaimTemplates"));
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            Assert.True(RedisContainer.At(probe, "exec", "command") is not null, $"redis has no {probe}");
        var readiness = RedisContainer.Items("readinessProbe", "exec", "command").Cast<YamlScalarNode>();
        Assert.Contains("cluster_state:ok", string.Join(' ', readiness.Select(c => c.Value)));
        var service = Named("Service", redis.Text("spec", "serviceName")!);
        Assert.Equal(
            ("None", "true"),
            (service.Text("spec", "clusterIP"), service.Text("spec", "publishNotReadyAddresses"))
        );
        Assert.Equal(
            RedisContainer.Items("ports").Select(p => p.Text("containerPort")).Order(),
            service.Items("spec", "ports").Select(p => p.Text("targetPort")).Order()
        );
        var budget = OfKind("PodDisruptionBudget")
            .Single(p => p.Text("spec", "selector", "matchLabels", "app") == "redis");
        Assert.Equal("1", budget.Text("spec", "maxUnavailable"));
    }

    [Theory]
    [InlineData("dispatch-silo")]
    [InlineData("dispatch-ingest")]
    [InlineData("dispatch-api")]
    public void Every_service_lists_every_redis_node_in_its_connection_string(string deployment)
    {
        var connection = Env(Container(deployment))["Redis__ConnectionString"].Text("value")!;
        Assert.Equal(RedisNodes(), connection.Split(','));
    }

    [Fact]
    public void The_cluster_init_job_waits_for_every_node_and_gives_each_primary_a_replica()
    {
        var job = Named("Job", "redis-cluster-init");
        var container = (YamlMappingNode)job.Items("spec", "template", "spec", "containers").Single();
        Assert.Equal(RedisNodes(), Env(container)["NODES"].Text("value")!.Split(' '));
        var script = string.Join('\n', container.Items("args").Select(a => ((YamlScalarNode)a).Value));
        Assert.Contains("for node in $NODES; do until", script);
        Assert.Contains("redis-cli --cluster create $NODES --cluster-replicas 1 --cluster-yes", script);
        Assert.Contains("cluster meet", script); // run again, it re-introduces the nodes instead
        Assert.Contains(job.Text("spec", "template", "spec", "restartPolicy"), new[] { "OnFailure", "Never" });
        Assert.Equal("redis-cluster-init", job.Text("spec", "template", "metadata", "labels", "app"));
    }

    [Fact]
    public void Ingest_and_api_scale_by_cpu_and_keys_come_from_secrets()
    {
        foreach (var name in new[] { "dispatch-ingest", "dispatch-api" })
            Assert.Equal(
                name,
                OfKind("HorizontalPodAutoscaler")
                    .Single(h => h.Text("metadata", "name") == name)
                    .Text("spec", "scaleTargetRef", "name")
            );
        var ingest = Env(Container("dispatch-ingest"));
        Assert.Equal("dispatch-secrets", ingest["Ingest__AdminToken"].Text("valueFrom", "secretKeyRef", "name"));
        Assert.Null(ingest["Ingest__AdminToken"].At("value"));
        Assert.DoesNotContain(All, d => d.Text("kind") == "Secret");
    }

    [Fact]
    public void The_catalog_config_map_is_the_catalog_and_every_file_is_mounted()
    {
        var data = (YamlMappingNode)Named("ConfigMap", "dispatch-catalog").At("data")!;
        var catalog = PathOf("catalog");
        var files = Directory
            .GetFiles(catalog, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".json") || f.EndsWith(".geojson"))
            .ToList();
        Assert.Equal(files.Count, data.Children.Count);
        foreach (var file in files)
        {
            var key = Path.GetRelativePath(catalog, file).Replace('/', '.');
            Assert.True(
                data.Children.ContainsKey(new YamlScalarNode(key)),
                $"{key} is missing: run scripts/catalog-configmap.py"
            );
            Assert.True(
                File.ReadAllText(file).TrimEnd() == data.Text(key)!.TrimEnd(),
                $"{key} differs from catalog/: run scripts/catalog-configmap.py"
            );
        }
        foreach (var deployment in new[] { "dispatch-silo", "dispatch-api" })
        {
            var items = Named("Deployment", deployment)
                .At("spec", "template", "spec", "volumes")!
                .Items()
                .Single(v => v.Text("name") == "catalog")
                .Items("configMap", "items");
            Assert.Equal(
                data.Children.Keys.Select(k => ((YamlScalarNode)k).Value).Order(),
                items.Select(i => i.Text("key")).Order()
            );
            Assert.All(
                items,
                i =>
                    Assert.Equal(
                        i.Text("key")!.Replace(".json", "").Replace(".geojson", "").Replace('.', '/'),
                        i.Text("path")!.Replace(".json", "").Replace(".geojson", "")
                    )
            );
        }
    }

    [Fact]
    public void Only_ingest_and_api_reach_the_silos_and_only_the_services_the_init_job_and_the_nodes_reach_redis()
    {
        static HashSet<string?> From(YamlMappingNode policy, string? port = null) =>
            [
                .. policy
                    .Items("spec", "ingress")
                    .Where(r => port is null || r.Items("ports").Any(p => p.Text("port") == port))
                    .SelectMany(r => r.Items("from"))
                    .Select(f => f.Text("podSelector", "matchLabels", "app")),
            ];
        var silo = OfKind("NetworkPolicy")
            .Single(p => p.Text("spec", "podSelector", "matchLabels", "app") == "dispatch-silo");
        Assert.Equal(new HashSet<string?> { "dispatch-silo", "dispatch-ingest", "dispatch-api" }, From(silo));
        var redis = OfKind("NetworkPolicy").Single(p => p.Text("spec", "podSelector", "matchLabels", "app") == "redis");
        Assert.Equal(
            new HashSet<string?> { "dispatch-silo", "dispatch-ingest", "dispatch-api", "redis-cluster-init", "redis" },
            From(redis, "6379")
        );
        // The cluster bus (gossip, failure detection, failover votes) is the nodes' own business.
        Assert.Equal(new HashSet<string?> { "redis" }, From(redis, "16379"));
        Assert.Equal(From(redis), From(redis, "6379"));
    }
}
