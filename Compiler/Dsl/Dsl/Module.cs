using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla;

/// <summary>
/// A parameterized function — the unit networks are built from, as in the lectures: a layer
/// <c>h = a[β + Ω·x]</c> is a module, and so is a whole network (a composition of modules). A module owns its
/// parameters (created the first time it is traced, so <c>Dense(100)</c> can infer its input width) and its
/// registered children, which give parameters their PyTorch-style dotted names (<c>features.0.weight</c>).
/// <para>
/// Write a module by overriding <see cref="Forward(Node)"/> (one input, one output) or <see cref="ForwardMany"/>
/// (several inputs or heads) with IR arithmetic (<c>+ - * /</c>, <see cref="F"/>, <see cref="Act"/>) and calls of
/// children (<c>child[x]</c> or <c>child.Call(x)</c>); declare parameters inside Forward with <see cref="Param"/>.
/// Any feed-forward DAG can be written this way: skip connections, several inputs and heads, shared modules
/// (a module called twice uses the same parameters).
/// </para>
/// </summary>
public abstract partial class Module
{
    private readonly List<KeyValuePair<string, Module>> _children = new();
    private readonly List<Parameter> _params = new();
    private bool _frozen;

    /// <summary>Creates a module whose type is printed as <paramref name="kind"/> (e.g. <c>Dense</c>).</summary>
    protected Module(string kind)
    {
        if (string.IsNullOrWhiteSpace(kind)) throw new ArgumentException("A module needs a kind (its printed type name).", nameof(kind));
        Kind = kind;
    }

    /// <summary>The type name shown in summaries and errors, e.g. <c>Dense</c>.</summary>
    public string Kind { get; }
    /// <summary>A short description with the sizes, e.g. <c>Dense 40→100</c>.</summary>
    public virtual string Description => Kind;
    /// <summary>Number of inputs <see cref="Call(Node[])"/> takes (1 unless the module overrides it).</summary>
    public virtual int InputCount => 1;
    /// <summary>Number of outputs it returns (1 unless the module overrides it).</summary>
    public virtual int OutputCount => 1;
    /// <summary>The registered children with their names, in registration order.</summary>
    public IReadOnlyList<KeyValuePair<string, Module>> Children => _children;
    /// <summary>The parameters this module declared itself (not its children's), once traced.</summary>
    public IReadOnlyList<Parameter> Parameters => _params;
    /// <summary>True after <see cref="Freeze"/>: its parameters (and its children's) are not trained.</summary>
    public bool IsFrozen => _frozen;

    /// <summary>Registers <paramref name="module"/> as the child called <paramref name="name"/> (its parameters are named <c>name.…</c>).</summary>
    protected T Add<T>(string name, T module) where T : Module
    {
        if (module is null) throw new ArgumentNullException(nameof(module), $"{Description}: child \"{name}\" is null.");
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{Description}: a child name must be non-empty and contain no '.', got \"{name}\".", nameof(name));
        if (_children.Any(c => c.Key == name))
            throw new ArgumentException($"{Description}: there is already a child called \"{name}\".", nameof(name));
        if (ReferenceEquals(module, this) || module.Descendants().Contains(this))
            throw new ArgumentException($"{Description}: adding {module.Description} as \"{name}\" would make the module contain itself.", nameof(module));
        _children.Add(new KeyValuePair<string, Module>(name, module));
        return module;
    }

    /// <summary>This module and every module below it, depth first, each once.</summary>
    public IEnumerable<Module> Descendants()
    {
        var seen = new HashSet<Module>(ReferenceComparer.Instance);
        var stack = new Stack<Module>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var m = stack.Pop();
            if (!seen.Add(m)) continue;
            yield return m;
            for (int i = m._children.Count - 1; i >= 0; i--) stack.Push(m._children[i].Value);
        }
    }

    /// <summary>Applies the module to one input inside a trace: <c>h = layer[x]</c>.</summary>
    public Node this[Node x] => Call(x);

    /// <summary>Applies the module to one input inside a trace (see <see cref="Model"/>).</summary>
    public Node Call(Node x)
    {
        var outs = Call(new[] { x });
        return outs[0];
    }

    /// <summary>Applies the module to its inputs inside a trace and returns its outputs.</summary>
    public IReadOnlyList<Node> Call(params Node[] inputs)
    {
        if (inputs is null || inputs.Length == 0 || inputs.Any(i => i is null))
            throw new ArgumentException($"{Description}: Call needs {InputCount} non-null input node(s).");
        var tracer = Tracer.Of(inputs[0].Graph) ?? throw new InvalidOperationException(
            $"{Description} was called on a node that is not part of a network trace. Build the network with Model.Build(...) " +
            "and call modules only inside another module's Forward (or inside Module.Lambda).");
        return tracer.Invoke(this, inputs, () => ForwardMany(inputs));
    }

    /// <summary>The computation for one input; override this (or <see cref="ForwardMany"/>).</summary>
    protected virtual Node Forward(Node x) =>
        throw new InvalidOperationException($"{Description} overrides neither Forward(Node) nor ForwardMany(IReadOnlyList<Node>).");

    /// <summary>The computation for several inputs and outputs; by default calls <see cref="Forward(Node)"/>.</summary>
    protected virtual IReadOnlyList<Node> ForwardMany(IReadOnlyList<Node> inputs) => new[] { Forward(inputs[0]) };

    /// <summary>
    /// Declares (the first time) and returns the parameter <paramref name="name"/> of this module as an IR node.
    /// Call it inside Forward. <paramref name="init"/> null means the model's <see cref="InitScheme"/> for
    /// <paramref name="role"/>; <paramref name="fans"/> null means PyTorch's fans of <paramref name="shape"/>.
    /// A later trace that asks for another shape (e.g. a <c>Dense(10)</c> fed a different width) is an error
    /// naming the layer and both shapes.
    /// </summary>
    protected Node Param(string name, Shape shape, ParamRole role = ParamRole.Other, Initializer? init = null, Fans? fans = null)
    {
        var tracer = Tracer.CurrentFor(this, $"parameter {name}");
        var p = _params.FirstOrDefault(q => q.LocalName == name);
        if (p is { IsBuffer: true }) throw tracer.Error(this, $"{name} is a buffer of this layer, not a parameter");
        if (p is null)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('.'))
                throw tracer.Error(this, $"a parameter name must be non-empty and contain no '.', got \"{name}\"");
            if (shape.HasBatch) throw tracer.Error(this, $"parameter {name} cannot have the batch dimension (shape {shape})");
            tracer.CheckSize(this, name, shape);
            p = new Parameter(this, name, shape, role, fans ?? Fans.Of(shape.Dims), init, !_frozen);
            _params.Add(p);
            tracer.Initialize(p);
        }
        else if (!p.Shape.Equals(shape))
            throw tracer.Error(this, $"parameter {name} has shape {p.Shape} from an earlier trace, but this input needs {shape}");
        return tracer.ParamNode(this, p);
    }

    /// <summary>
    /// An exception naming this layer (<c>layer 2 (Dense 100→10): why.</c>); inside Forward the path is known,
    /// outside a trace (e.g. in a constructor) the description alone is used.
    /// </summary>
    protected internal LayerException LayerError(string why)
    {
        var t = Tracer.InnermostFor(this);
        return t is not null ? t.Error(this, why) : new LayerException("", Description, $"{Description}: {why}.");
    }

    /// <summary>Train or eval: the mode of the trace running this module's Forward.</summary>
    protected TraceMode Mode => Tracer.CurrentFor(this, "the trace mode").Mode;

    /// <summary>A new mask input for this call (dropout in train mode); see <see cref="Nabla.Lowering.DropoutMask"/>.</summary>
    internal Node MaskInput(Shape shape, double p) => Tracer.CurrentFor(this, "a mask input").MaskInput(this, shape, p);

    /// <summary>Creates a parameter with given values before any trace (used to build layers from known weights).</summary>
    internal void Preset(string name, Shape shape, ParamRole role, float[] values)
    {
        if (_params.Any(q => q.LocalName == name)) throw new InvalidOperationException($"{Description}: parameter {name} already exists.");
        shape.CheckedStaticSize($"{Description}: {name}");
        var p = new Parameter(this, name, shape, role, Fans.Of(shape.Dims), null, !_frozen);
        p.Load(values);
        _params.Add(p);
    }

    /// <summary>Freezes this module and everything below it: no gradients, no updates (transfer learning). Returns this module.</summary>
    public Module Freeze() { SetFrozen(true); return this; }

    /// <summary>Undoes <see cref="Freeze"/> for this module and everything below it. Returns this module.</summary>
    public Module Unfreeze() { SetFrozen(false); return this; }

    private void SetFrozen(bool frozen)
    {
        foreach (var m in Descendants())
        {
            m._frozen = frozen;
            foreach (var p in m._params) if (!p.IsBuffer) p.Trainable = !frozen;
        }
    }

    /// <summary>The composition "this, then <paramref name="next"/>": <c>x ↦ next(this(x))</c>, as <c>Sequential(this, next)</c>.</summary>
    public Sequential Then(Module next) => new(this, next);

    /// <summary>The composition <c>this ∘ inner</c>: <c>x ↦ this(inner(x))</c>, as <c>Sequential(inner, this)</c>.</summary>
    public Sequential Compose(Module inner) => new(inner, this);

    /// <summary>
    /// A module from a function: <paramref name="forward"/> may call the <paramref name="children"/> (which get
    /// the given names, so <c>("linear1", l1)</c> names its weight <c>linear1.weight</c>) and any IR arithmetic.
    /// </summary>
    public static Module Lambda(string kind, Func<Node, Node> forward, params (string Name, Module Module)[] children) =>
        new LambdaModule(kind, forward, children);

    /// <summary>Every parameter below this module with its full name relative to it, in state-dict order (traced ones only).</summary>
    public IReadOnlyList<NamedParameter> NamedParameters()
    {
        var result = new List<NamedParameter>();
        var seen = new HashSet<Parameter>(ReferenceComparer.Instance);
        foreach (var (path, m) in Paths())
            foreach (var p in m._params)
                if (seen.Add(p)) result.Add(new NamedParameter(path.Length == 0 ? p.LocalName : path + "." + p.LocalName, p));
        return result;
    }

    /// <summary>The path of every module below this one (this one is ""), depth first in registration order; a shared module keeps its first path.</summary>
    public IReadOnlyList<(string Path, Module Module)> Paths()
    {
        var result = new List<(string, Module)>();
        var seen = new HashSet<Module>(ReferenceComparer.Instance);
        void Walk(string path, Module m)
        {
            if (!seen.Add(m)) return;
            result.Add((path, m));
            foreach (var c in m._children) Walk(path.Length == 0 ? c.Key : path + "." + c.Key, c.Value);
        }
        Walk("", this);
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => Description;

    private sealed class LambdaModule : Module
    {
        private readonly Func<Node, Node> _forward;
        public LambdaModule(string kind, Func<Node, Node> forward, (string Name, Module Module)[] children) : base(kind)
        {
            _forward = forward ?? throw new ArgumentNullException(nameof(forward));
            foreach (var (n, m) in children) Add(n, m);
        }
        protected override Node Forward(Node x) => _forward(x);
    }
}
