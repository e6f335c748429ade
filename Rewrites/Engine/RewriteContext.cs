using Nabla.Ir;

namespace Nabla.Rewrites.Engine;

/// <summary>What a rule may consult besides its match: the graph, the options and cached facts about nodes.</summary>
public sealed class RewriteContext
{
    internal RewriteContext(Graph graph, RewriteOptions options, RewriteReport report)
    {
        Graph = graph; Options = options; Report = report;
    }

    /// <summary>The graph being rewritten (rules build their results here).</summary>
    public Graph Graph { get; }

    /// <summary>The run's options.</summary>
    public RewriteOptions Options { get; }

    /// <summary>Facts about nodes of <see cref="Graph"/>, cached for the run.</summary>
    public Facts Facts { get; } = new();

    /// <summary>The report the run fills in.</summary>
    public RewriteReport Report { get; }
}
