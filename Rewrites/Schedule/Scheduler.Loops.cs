using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

internal sealed partial class ScheduleBuilder
{
    /// <summary>
    /// Elementwise nodes computed by one loop. Members that are results, or that kernels outside the group read,
    /// are stored; the rest stay in registers.
    /// </summary>
    private sealed class Group
    {
        public Node Root = null!;     // the member with the largest id: the group's kernel key
        public readonly HashSet<Node> Set = new();
        public readonly List<Node> Stored = new();
        public Node? PrologueOf;      // the reduction that computes the group instead of a loop
        public IEnumerable<Node> Members => Set.OrderBy(n => n.Id);
    }

    private readonly Dictionary<Node, Group> _groupOf = new();

    /// <summary>
    /// The most elementwise nodes one fused loop computes. Real networks stay far below it; a formula nested thousands
    /// deep would otherwise become one method with a local per node (the IL limit is 65,535 locals, and Roslyn's
    /// analysis of such a method grows faster than its length).
    /// </summary>
    internal const int MaxLoopMembers = 1024;
    private readonly Dictionary<Node, Node> _keyOf = new();       // node → the node whose kernel computes it
    private HashSet<Node> _required = new();

    private bool LoopLike(Node n) =>
        n.Op.Kind == OpKind.Elementwise || n.Op == Op.Broadcast
        || (_roots.Contains(n) && ((n.Op == Op.Const && n.Attrs.Data is null) || n.Op == Op.BatchSize));

    // A loop member: loop-like and not already inside a GEMM epilogue.
    private bool InLoop(Node n) => LoopLike(n) && !_keyOf.ContainsKey(n) && (!n.IsLeaf || _roots.Contains(n));

    /// <summary>
    /// Groups loop members of equal shape and equal level that are connected by data edges. Levels satisfy, along
    /// every edge u → v, level(v) ≥ level(u), plus one when u is computed by a non-loop kernel (GEMM, reduction, ...):
    /// a path that leaves a group through such a kernel and comes back would have to raise the level, so no grouping
    /// can create a cycle between kernels. Levels are assigned as late as possible (the least level of the consumers),
    /// so values that read only parameters or inputs — Adam's β₁·m — join the update loop that consumes them.
    /// </summary>
    private void PlanGroups()
    {
        if (_planned) return; // already planned by Scheduler.Build's in-place analysis
        PlanPoolMasks();
        // As soon as possible, forward; then as late as possible, backward (results keep their earliest level).
        var level = new Dictionary<Node, int>();
        foreach (var n in _nodes)
        {
            int d = 0;
            foreach (var i in n.Inputs) d = Math.Max(d, level[i] + (InLoop(i) ? 0 : 1));
            level[n] = d;
        }
        for (int k = _nodes.Count - 1; k >= 0; k--)
        {
            var n = _nodes[k];
            if (_roots.Contains(n) || _consumers[n].Count == 0) continue;
            int late = int.MaxValue;
            foreach (var c in _consumers[n]) late = Math.Min(late, level[c] - (InLoop(n) ? 0 : 1));
            level[n] = Math.Max(level[n], late);
        }
        var parent = new Dictionary<Node, Node>();
        Node FindRoot(Node n) { while (parent[n] != n) n = parent[n] = parent[parent[n]]; return n; }
        foreach (var n in _nodes)
        {
            if (!InLoop(n)) continue;
            parent[n] = n;
            foreach (var i in n.Inputs.Distinct())
                if (InLoop(i) && !i.IsLeaf && level[i] == level[n] && i.Shape.Equals(n.Shape))
                {
                    Node a = FindRoot(i), b = FindRoot(n);
                    if (a != b) parent[a] = b;
                }
        }
        var groups = new Dictionary<Node, Group>();
        foreach (var n in _nodes.Where(parent.ContainsKey))
        {
            // A group of more than MaxLoopMembers is cut, in id order, into loops of at most that many: members of
            // one group share a level, so a later part reads an earlier one only directly (the value is stored), never
            // through another kernel, and no cycle can form.
            var r = FindRoot(n);
            if (!groups.TryGetValue(r, out var g) || g.Set.Count == MaxLoopMembers) groups[r] = g = new Group();
            g.Set.Add(n);
            g.Root = n; // ascending ids: the last member wins
            _groupOf[n] = g;
        }
        // A GEMM's mask h of mm ⊙ step(h) is read by the GEMM, not through a graph edge: it must be stored too.
        var masks = new HashSet<Node>(_gemmAt.Values.Where(gm => gm.Mask is not null).Select(gm => gm.Mask!));
        foreach (var g in _groupOf.Values.Distinct())
        {
            foreach (var m in g.Members)
                if (_roots.Contains(m) || masks.Contains(m) || _consumers[m].Any(c => !g.Set.Contains(c))) g.Stored.Add(m);
            foreach (var m in g.Set) _keyOf[m] = g.Root;
        }
        // An elementwise value consumed only by a reduction is computed inside it.
        foreach (var r in _nodes.Where(n => n.Op.Kind == OpKind.Reduce))
            if (_groupOf.TryGetValue(r.A, out var g) && g.Stored.Count == 1 && g.Stored[0] == r.A && SingleUse(r.A) is not null
                && Loads(g).All(x => Classify(x.Shape, r.A.Shape, 0) is Access.Full or Access.Scalar))
            {
                g.PrologueOf = r;
                foreach (var m in g.Set) _keyOf[m] = r;
            }
        // Softmax, log-softmax and log-sum-exp of one input along one axis share a kernel.
        var firstNormalize = new Dictionary<(Node, int), Node>();
        foreach (var n in _nodes.Where(n => n.Op.Kind == OpKind.Normalize))
        {
            var key = (n.A, n.Attr<AxisAttrs>().Axis);
            if (!firstNormalize.TryGetValue(key, out var first)) firstNormalize[key] = first = n;
            _keyOf[n] = first;
        }
        foreach (var n in _nodes) if (!_keyOf.ContainsKey(n)) _keyOf[n] = n;
        _required = RequiredKernels();
    }

    // mul(step(x), max_pool_grad(x, dy)) → the max_pool_grad node, for the pooling backward that applies the mask.
    private readonly Dictionary<Node, Node> _poolMaskAt = new();

    /// <summary>
    /// The ReLU derivative after a pooling of a ReLU's output, <c>mul(step(x), max_pool_grad(x, dy))</c> in either
    /// operand order, with the step's x the pooling's own input and the max_pool_grad read by nothing else (and not a
    /// result): one pooling kernel computes the product (<see cref="PoolKernel.ReluMask"/>), since it reads x anyway.
    /// The mul and the max_pool_grad are then that kernel's, not a loop's; the step is computed only if something else
    /// reads it.
    /// </summary>
    private void PlanPoolMasks()
    {
        foreach (var pg in _nodes.Where(n => n.Op == Op.MaxPoolGrad))
        {
            if (SingleUse(pg) is not { } mul || mul.Op != Op.Mul || Claimed(mul) || Claimed(pg) || ReferenceEquals(mul.A, mul.B)) continue;
            var other = ReferenceEquals(mul.A, pg) ? mul.B : mul.A;
            if (other.Op != Op.Step || !ReferenceEquals(other.A, pg.A) || !mul.Shape.Equals(pg.Shape)) continue;
            _poolMaskAt[mul] = pg;
            _keyOf[pg] = mul;
            _keyOf[mul] = mul;
        }
    }

    // The nodes a group reads from outside (scalar constants and the batch size become instructions instead).
    private IEnumerable<Node> Loads(Group g)
    {
        var seen = new HashSet<Node>();
        foreach (var m in g.Members)
            foreach (var x in m.Inputs)
                if (!g.Set.Contains(x) && !IsInstr(x) && seen.Add(x)) yield return x;
    }

    private static bool IsInstr(Node x) => (x.Op == Op.Const && x.Attrs.Data is null) || x.Op == Op.BatchSize;

    /// <summary>Kernel keys reachable from the results through what each kernel reads.</summary>
    private HashSet<Node> RequiredKernels()
    {
        var required = new HashSet<Node>();
        var work = new Stack<Node>();
        void Need(Node x) { if (!x.IsLeaf || LoopLike(x)) { var k = _keyOf[x]; if (required.Add(k)) work.Push(k); } }
        foreach (var r in _roots) Need(r);
        while (work.Count > 0)
            foreach (var x in KernelReads(work.Pop())) Need(x);
        return required;
    }

    private IEnumerable<Node> KernelReads(Node key)
    {
        if (_gemmAt.TryGetValue(key, out var gm)) return GemmReads(gm);
        if (_groupOf.TryGetValue(key, out var g) && g.PrologueOf is null) return Loads(g);
        if (key.Op.Kind == OpKind.Reduce)
            return _groupOf.TryGetValue(key.A, out var pg) && ReferenceEquals(pg.PrologueOf, key) ? Loads(pg) : new[] { key.A };
        if (key.Op.Kind == OpKind.Movement) return key.Inputs.Distinct(); // concat reads every part
        if (key.Op.Kind == OpKind.Index) return key.Inputs;
        if (PoolKernel.Handles(key.Op)) return key.Inputs;
        if (_poolMaskAt.TryGetValue(key, out var pool)) return pool.Inputs;
        return key.IsLeaf ? Array.Empty<Node>() : new[] { key.A };
    }

    /// <summary>The required kernel keys, each after the kernels whose results it reads (an iterative depth-first sort).</summary>
    private List<Node> ProductionOrder()
    {
        var order = new List<Node>();
        var state = new Dictionary<Node, bool>(); // false = in progress, true = done
        IEnumerator<Node> Deps(Node key) =>
            KernelReads(key).Where(x => !x.IsLeaf || LoopLike(x)).Select(x => _keyOf[x]).Where(k => k != key).Distinct().GetEnumerator();
        foreach (var start in _required.OrderBy(k => k.Id))
        {
            if (state.ContainsKey(start)) continue;
            var stack = new Stack<(Node Key, IEnumerator<Node> Deps)>();
            state[start] = false;
            stack.Push((start, Deps(start)));
            while (stack.Count > 0)
            {
                var (key, deps) = stack.Peek();
                if (deps.MoveNext())
                {
                    var d = deps.Current;
                    if (!state.TryGetValue(d, out var done)) { state[d] = false; stack.Push((d, Deps(d))); }
                    else if (!done) throw new InvalidOperationException($"Scheduler: fusion made kernels depend on each other (at {d.Describe()}).");
                }
                else { stack.Pop(); state[key] = true; order.Add(key); }
            }
        }
        return order;
    }

    /// <summary>Creates the kernel whose key is <paramref name="n"/>, if some result needs it.</summary>
    private void Produce(Node n)
    {
        if (!_required.Contains(n) || !ReferenceEquals(_keyOf[n], n)) return;
        if (_gemmAt.TryGetValue(n, out var gm)) MakeGemm(gm);
        else if (_groupOf.TryGetValue(n, out var g)) MakeLoop(g);
        else if (n.Op.Kind == OpKind.Reduce) MakeReduce(n);
        else if (n.Op.Kind == OpKind.Normalize) MakeNormalize(n);
        else if (n.Op == Op.Transpose)
            AddPlan(new CopyKernel(Op.Transpose, Buf(n.A), OutBuf(n, new[] { n.A }, false), n.Attr<PermutationAttrs>().Perm), new[] { n.A }, new[] { n }, new[] { n });
        else if (PoolKernel.Handles(n.Op)) AddPlan(PoolKernel.For(n, n.Inputs.Select(Buf).ToArray(), OutBuf(n, n.Inputs, false)), n.Inputs, new[] { n }, new[] { n });
        else if (_poolMaskAt.TryGetValue(n, out var pool))
            AddPlan(PoolKernel.For(pool, pool.Inputs.Select(Buf).ToArray(), OutBuf(n, pool.Inputs, false), reluMask: true), pool.Inputs, new[] { n }, new[] { pool, n });
        else if (n.Op.Kind == OpKind.Window)
            AddPlan(new WindowKernel(n.Op, Buf(n.A), OutBuf(n, new[] { n.A }, false), n.Attr<WindowAttrs>()), new[] { n.A }, new[] { n }, new[] { n });
        else if (n.Op.Kind == OpKind.Movement) MakeMove(n);
        else if (n.Op.Kind == OpKind.Index)
        {
            var reads = n.Inputs.ToArray();
            var input = n.Op == Op.OneHot ? null : Buf(n.A);
            var k = IndexKernel.For(n, input, Buf(n.Op == Op.OneHot ? n.A : n.B), OutBuf(n, reads, false));
            AddPlan(k, reads, new[] { n }, new[] { n });
        }
        else if (n.Op == Op.Reshape) Buf(n);
        else if (!n.IsLeaf) throw new InvalidOperationException($"Scheduler: no kernel for {n.Describe()}.");
    }

    // ---- loops ----

    private void MakeLoop(Group g)
    {
        var space = g.Root.Shape;
        var loads = Loads(g).ToList();
        int split = ChooseSplit(loads, space);
        var plan = new KernelPlan();
        var inputs = new List<KernelInput>();
        foreach (var x in loads)
        {
            var access = Classify(x.Shape, space, split);
            var buf = Buf(x);
            if (access is null)
            {
                // A broadcast the loop cannot index directly: materialize it first.
                var full = NewBuffer(BufferKind.Temp, null, space);
                plan.Kernels.Add(new CopyKernel(Op.Broadcast, buf, full, Array.Empty<int>()) { Nodes = new[] { x } });
                (buf, access) = (full, Access.Full);
            }
            inputs.Add(new KernelInput(buf, access.Value));
        }
        var stored = g.Stored;
        var body = Body(g, loads, stored);
        var outputs = stored.Select(s => OutBuf(s, loads, readsAreElementwise: true)).ToArray();
        var kernel = new ElementwiseKernel(Dim.Product(space, 0, split), Dim.Product(space, split, space.Rank), inputs.ToArray(), outputs, body)
        { Nodes = g.Members.ToArray() };
        plan.Kernels.Add(kernel);
        plan.Reads.AddRange(loads);
        plan.Writes.AddRange(stored);
        foreach (var w in stored) _producer[w] = plan;
        _plans.Add(plan);
    }

    private FusedBody Body(Group g, List<Node> loads, IEnumerable<Node> stored)
    {
        var b = new FusedBody.Builder();
        var val = new Dictionary<Node, int>();
        int Val(Node x)
        {
            if (val.TryGetValue(x, out var v)) return v;
            if (g.Set.Contains(x) && !x.IsLeaf)
                v = x.Op == Op.Broadcast ? Val(x.A) : b.Apply(x.Op, x.Inputs.Select(Val).ToArray());
            else if (x.Op == Op.Const && x.Attrs.Data is null) v = b.Const(x.Attrs.Value);
            else if (x.Op == Op.BatchSize) v = b.Batch();
            else v = b.Load(loads.IndexOf(x));
            return val[x] = v;
        }
        foreach (var m in g.Members) Val(m);
        foreach (var s in stored) b.Store(Val(s));
        return b.Build();
    }

    // The split of the loop space into [rows, cols] that lets every input be indexed directly, widest cols first.
    private static int ChooseSplit(List<Node> loads, Shape space)
    {
        if (loads.All(x => Classify(x.Shape, space, 0) is Access.Full or Access.Scalar)) return 0;
        for (int p = 1; p < space.Rank; p++)
            if (loads.All(x => Classify(x.Shape, space, p) is not null)) return p;
        return Math.Max(space.Rank - 1, 0);
    }

    /// <summary>How an input of shape <paramref name="s"/> broadcast to <paramref name="space"/> is indexed when rows are the axes before <paramref name="split"/>.</summary>
    internal static Access? Classify(Shape s, Shape space, int split)
    {
        int r = space.Rank, off = r - s.Rank;
        int D(int i) => i < off ? 1 : s[i - off];
        bool all(Func<int, bool> f) { for (int i = 0; i < r; i++) if (!f(i)) return false; return true; }
        if (all(i => D(i) == space[i])) return Access.Full;
        if (all(i => D(i) == 1)) return Access.Scalar;
        if (split > 0 && all(i => i < split ? D(i) == 1 : D(i) == space[i])) return Access.Row;
        if (split > 0 && all(i => i < split ? D(i) == space[i] : D(i) == 1)) return Access.Col;
        return null;
    }

    // ---- reductions and normalizers ----

    private void MakeReduce(Node r)
    {
        var x = r.A; var axes = r.Attr<AxesAttrs>().Axes;
        int a0 = axes.Length > 0 ? axes[0] : 0, a1 = axes.Length > 0 ? axes[axes.Length - 1] + 1 : 0;
        Group? g = _groupOf.TryGetValue(x, out var pg) && ReferenceEquals(pg.PrologueOf, r) ? pg : null;
        var loads = g is null ? new List<Node> { x } : Loads(g).ToList();
        var inputs = loads.Select(l => new KernelInput(Buf(l), Classify(l.Shape, x.Shape, 0)!.Value)).ToArray();
        FusedBody body;
        if (g is null) { var b = new FusedBody.Builder(); b.Store(b.Load(0)); body = b.Build(); }
        else body = Body(g, loads, new[] { x });
        var scale = ScalarTerm.One;
        if (r.Op.Combine == Combine.Mean)
        {
            var count = Dim.Product(x.Shape, a0, a1);
            scale = new ScalarTerm(1.0 / count.Factor, -count.Power);
        }
        var k = new ReduceKernel(r.Op.Combine == Combine.Max ? ReduceOp.Max : ReduceOp.Sum,
            Dim.Product(x.Shape, 0, a0), Dim.Product(x.Shape, a0, a1), Dim.Product(x.Shape, a1, x.Shape.Rank),
            inputs, body, OutBuf(r, loads, false), scale);
        AddPlan(k, loads, new[] { r }, g is null ? new[] { r } : g.Members.Concat(new[] { r }));
    }

    private void MakeNormalize(Node first)
    {
        var x = first.A; int axis = first.Attr<AxisAttrs>().Axis;
        var k = new NormalizeKernel(Buf(x), Dim.Product(x.Shape, 0, axis), Dim.Of(x.Shape[axis]), Dim.Product(x.Shape, axis + 1, x.Shape.Rank));
        var members = _nodes.Where(n => ReferenceEquals(_keyOf[n], first)).ToList();
        var written = new List<Node>();
        foreach (var n in members)
        {
            Buffer? existing = n.Op == Op.Softmax ? k.Softmax : n.Op == Op.LogSoftmax ? k.LogSoftmax : k.LogSumExp;
            if (existing is not null) { _bufferOf[n] = NewBuffer(existing.Kind, null, n.Shape, viewOf: existing); written.Add(n); continue; }
            var buf = OutBuf(n, new[] { x }, false);
            if (n.Op == Op.Softmax) k.Softmax = buf; else if (n.Op == Op.LogSoftmax) k.LogSoftmax = buf; else k.LogSumExp = buf;
            written.Add(n);
        }
        AddPlan(k, new[] { x }, written, members);
    }
}
