using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using Nabla.Ir;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla;

/// <summary>
/// The state of one trace: the graph being built, the path of every module of the network, the parameters
/// met so far (with their IR nodes), dropout mask inputs and summary rows. Modules find it through the graph
/// of their input node; <see cref="Module.Param"/> finds it as the innermost module call on this thread.
/// </summary>
internal sealed partial class Tracer
{
    private static readonly ConditionalWeakTable<Graph, Tracer> Active = new();
    [ThreadStatic] private static Tracer? _current;

    private readonly Dictionary<Module, string> _paths = new(ReferenceComparer.Instance);
    private readonly Dictionary<Parameter, Node> _paramNodes = new(ReferenceComparer.Instance);
    private readonly List<Frame> _frames = new();
    private readonly List<DropoutMask> _masks = new();
    private readonly List<SummaryRow> _rows = new();

    public Tracer(Graph graph, Module root, long seed, InitScheme scheme, TraceMode mode)
    {
        Graph = graph; Root = root; Seed = seed; Scheme = scheme; Mode = mode;
        foreach (var (path, m) in root.Paths()) _paths[m] = path;
        Active.Add(graph, this);
    }

    public Graph Graph { get; }
    public Module Root { get; }
    public long Seed { get; }
    public InitScheme Scheme { get; }
    public TraceMode Mode { get; }
    public IReadOnlyList<DropoutMask> Masks => _masks;
    public IReadOnlyList<SummaryRow> Rows => _rows;

    /// <summary>The parameters the trace used, in state-dict order, with their nodes.</summary>
    public IReadOnlyList<TracedParameter> Parameters()
    {
        var order = new Dictionary<Parameter, int>(ReferenceComparer.Instance);
        foreach (var np in Root.NamedParameters()) order[np.Parameter] = order.Count;
        return _paramNodes.OrderBy(kv => order[kv.Key]).Select(kv => new TracedParameter(kv.Value.Name!, kv.Value, kv.Key)).ToArray();
    }

    public static Tracer? Of(Graph g) => Active.TryGetValue(g, out var t) ? t : null;

    /// <summary>Ends the trace: modules can no longer be called on this graph.</summary>
    public void Finish() => Active.Remove(Graph);

    /// <summary>The tracer whose innermost call is <paramref name="m"/>'s Forward (Param is only legal there).</summary>
    public static Tracer CurrentFor(Module m, string what) =>
        InnermostFor(m) ?? throw new InvalidOperationException($"{m.Description}: {what} is only available inside {m.Kind}'s own Forward during a trace.");

    /// <summary>The current tracer when <paramref name="m"/>'s Forward is the innermost call on this thread, else null.</summary>
    public static Tracer? InnermostFor(Module m)
    {
        var t = _current;
        return t is not null && t._frames.Count > 0 && ReferenceEquals(t._frames[t._frames.Count - 1].Module, m) ? t : null;
    }

    public string PathOf(Module m) => _paths.TryGetValue(m, out var p) ? p : throw NotRegistered(m);

    public string Where(Module m) => LayerException.Where(_paths.TryGetValue(m, out var p) ? p : null, m.Description);

    public LayerException Error(Module m, string why, Exception? inner = null) =>
        new(_paths.TryGetValue(m, out var p) ? p : "", m.Description, $"{Where(m)}: {why}.", inner);

    /// <summary>Runs one module call: checks, records a summary row, turns shape errors into errors naming the layer.</summary>
    public IReadOnlyList<Node> Invoke(Module m, Node[] inputs, Func<IReadOnlyList<Node>> forward)
    {
        var path = PathOf(m);
        foreach (var i in inputs)
            if (!ReferenceEquals(i.Graph, Graph)) throw Error(m, $"input {i.Describe()} belongs to another graph");
        if (inputs.Length != m.InputCount) throw Error(m, $"takes {m.InputCount} input(s), got {inputs.Length}");
        bool repeated = _rows.Any(r => ReferenceEquals(r.Module, m));
        var frame = new Frame(m, _rows.Count);
        _rows.Add(new SummaryRow(path, m.Kind, m.Description, _frames.Count, inputs.Select(i => i.Shape).ToArray(),
            Array.Empty<Shape>(), 0, 0, m.Children.Count > 0, repeated) { Module = m });
        var previous = _current;
        _current = this;
        _frames.Add(frame);
        IReadOnlyList<Node> outs;
        try { outs = forward(); }
        catch (LayerException) { throw; }
        catch (ArgumentException e)
        {
            var shapes = string.Join(", ", inputs.Select(i => i.Shape.ToString()));
            throw Error(m, $"{e.Message.TrimEnd('.')} (layer input{(inputs.Length > 1 ? "s" : "")} {shapes})", e);
        }
        finally
        {
            _frames.RemoveAt(_frames.Count - 1);
            _current = previous;
        }
        if (outs is null || outs.Count != m.OutputCount || outs.Any(o => o is null || !ReferenceEquals(o.Graph, Graph)))
            throw Error(m, $"Forward must return {m.OutputCount} node(s) of the traced graph, got {outs?.Count ?? 0}");
        foreach (var o in outs) o.Label ??= path.Length == 0 ? m.Kind : $"{path} {m.Kind}";
        var row = _rows[frame.Row];
        long total = frame.Own + frame.Children;
        _rows[frame.Row] = row with { Description = m.Description, OutputShapes = outs.Select(o => o.Shape).ToArray(), Parameters = frame.Own, TotalParameters = total };
        if (_frames.Count > 0) _frames[_frames.Count - 1].Children += total;
        return outs;
    }

    /// <summary>
    /// Refuses, before anything is allocated, a parameter or buffer that one tensor cannot hold (more than
    /// <see cref="Shape.MaxElements"/> elements), naming the layer, the parameter, its shape and its size.
    /// </summary>
    public void CheckSize(Module m, string name, Shape shape)
    {
        try { shape.CheckedStaticSize(name); }
        catch (ShapeException e) { throw Error(m, e.Message.TrimEnd('.'), e); }
    }

    /// <summary>Draws a new parameter's first values from the seed and its full name.</summary>
    public void Initialize(Parameter p)
    {
        var init = p.Initializer ?? Scheme.For(p.Role);
        p.Initialize(init, Rng.ForName(Seed, FullName(p)));
    }

    public string FullName(Parameter p)
    {
        var path = PathOf(p.Owner);
        return path.Length == 0 ? p.LocalName : path + "." + p.LocalName;
    }

    /// <summary>The graph leaf of a parameter (one per parameter, however often it is used).</summary>
    public Node ParamNode(Module m, Parameter p)
    {
        if (_paramNodes.TryGetValue(p, out var n)) return n;
        var name = FullName(p);
        var existing = Graph.Find(name);
        if (existing is not null && existing.Op != Op.Param)
            throw Error(m, $"parameter name \"{name}\" collides with the {existing.Op.Name} of the same name");
        n = Graph.Param(name, p.Shape);
        _paramNodes.Add(p, n);
        if (!p.IsBuffer) _frames[_frames.Count - 1].Own += p.Size;
        return n;
    }

    /// <summary>A 0/1 keep-mask input for a dropout call (train mode), named <c>PATH.mask</c> (<c>PATH.mask_2</c> for a second call of a shared dropout).</summary>
    public Node MaskInput(Module m, Shape shape, double p)
    {
        var path = PathOf(m);
        var baseName = path.Length == 0 ? "mask" : path + ".mask";
        int k = _masks.Count(q => q.Layer == path);
        var name = k == 0 ? baseName : $"{baseName}_{k + 1}";
        if (Graph.Find(name) is not null) throw Error(m, $"the mask input name \"{name}\" is already used in the graph");
        _masks.Add(new DropoutMask(name, shape, p, path));
        return Graph.Input(name, shape);
    }

    private LayerException NotRegistered(Module m)
    {
        var parent = _frames.Count > 0 ? Where(_frames[_frames.Count - 1].Module) : "the network";
        return new LayerException("", m.Description,
            $"{m.Description} is called inside {parent} but is not part of the network being traced: register it in its parent " +
            "with Add(\"name\", module) (or list it in Module.Lambda's children) so its parameters get names.");
    }

    private sealed class Frame
    {
        public Frame(Module module, int row) { Module = module; Row = row; }
        public Module Module { get; }
        public int Row { get; }
        public long Own;
        public long Children;
    }
}
