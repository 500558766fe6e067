using Warehouse.Simulation.Model;

namespace Warehouse.Simulation.GroundTruth;

/// <summary>
/// Who is who, as the warehouse must resolve it: every event carrying both an anonymous id and a user id
/// (identify included) links them, backwards in time and regardless of arrival order. A visitor who never logs
/// in is a user of their own; a second device that never logs in stays a separate user (nobody can know).
/// </summary>
internal sealed class IdentityGraph
{
    private readonly Dictionary<string, string> _parent = new(StringComparer.Ordinal);

    public IdentityGraph(IEnumerable<SimEvent> events)
    {
        foreach (var e in events)
        {
            if (e.AnonymousId is not null) Find(Anon(e.AnonymousId));
            if (e.UserId is not null) Find(User(e.UserId));
            if (e.AnonymousId is not null && e.UserId is not null) Union(Anon(e.AnonymousId), User(e.UserId));
        }
    }

    /// <summary>The resolved person an event belongs to: a user id when the graph knows one, else the anonymous id.</summary>
    public string UserOf(SimEvent e) => Find(e.UserId is not null ? User(e.UserId) : Anon(e.AnonymousId!));

    private static string Anon(string id) => "a:" + id;
    private static string User(string id) => "u:" + id;

    private string Find(string node)
    {
        if (!_parent.TryGetValue(node, out var parent)) { _parent[node] = node; return node; }
        if (parent == node) return node;
        var root = Find(parent);
        _parent[node] = root;
        return root;
    }

    // The user node becomes the root, so a person's key reads "u:<userId>" once they are known.
    private void Union(string anon, string user)
    {
        var a = Find(anon);
        var u = Find(user);
        if (a == u) return;
        if (a.StartsWith("u:", StringComparison.Ordinal)) (a, u) = (u, a);
        _parent[a] = u;
    }
}
