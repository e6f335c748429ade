using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// Lowers an optimized <see cref="Function"/> to a <see cref="Schedule"/>: fuses elementwise chains into loops
/// (multi-output where a fused value is also a result), fuses elementwise producers into reductions, folds
/// transposes into GEMM operand flags and bias / ReLU / ReLU-mask / in-place SGD updates into GEMM epilogues and the
/// ReLU mask after a max pooling into the pooling's backward, computes softmax, log-softmax and log-sum-exp of one input in one kernel, makes reshapes free views, writes
/// parameter updates in place when that is safe, orders the kernels, and assigns temporaries to memory slots.
/// </summary>
public static class Scheduler
{
    /// <summary>
    /// Builds the schedule of <paramref name="f"/>, running the schedule stages of <see cref="Pipeline.Stages"/> in
    /// order — <see cref="Specialize"/>, fuse, in-place updates, kernels, order, memory plan — and, when
    /// <paramref name="report"/> is given, recording each one's node or kernel counts and time in it.
    /// </summary>
    public static Schedule Build(Function f, PassReport? report = null)
    {
        if (f.Outputs.Count == 0 && f.Updates.Count == 0) throw new ArgumentException("The function has no outputs and no updates: nothing to schedule.");
        f = Op.Inline(f); // an unoptimized function may still hold custom ops (a no-op otherwise)
        ElementType(f);
        var clock = Stopwatch.StartNew();
        var g = Specialize.Run(f);
        double t0 = clock.Elapsed.TotalMilliseconds;
        report?.AddStage(Pipeline.ScheduleSpecialize, PassReport.CountNodes(f), PassReport.CountNodes(g), null, t0);
        // Fusion is planned, then the in-place updates are decided on that plan, up front (see Planned); then the
        // kernels are made once, on the same builder, and ordered, and their temporaries get slots.
        var builder = ScheduleBuilder.Planned(g, clock);
        double t1 = clock.Elapsed.TotalMilliseconds;
        var s = builder.Build();
        double t2 = clock.Elapsed.TotalMilliseconds;
        if (report is not null)
        {
            int nodes = PassReport.CountNodes(g), copied = builder.CopiedUpdates;
            int inPlace = f.Updates.Count - s.Kernels.Count(k => k is CopyKernel c && c.Op == Op.Reshape && c.Output.Kind == BufferKind.Param);
            report.AddStage(Pipeline.Fuse, nodes, nodes, null, builder.PlanMs);
            report.AddStage(Pipeline.InPlace, nodes, nodes, null, t1 - t0 - builder.PlanMs, f.Updates.Count == 0 ? "no updates" :
                $"{inPlace} of {f.Updates.Count} updates in place" + (copied > 0 ? $", {copied} copied to break a cycle" : ""));
            report.AddStage(Pipeline.Kernels, nodes, nodes, s.Kernels.Count, builder.OrderStart - t1);
            report.AddStage(Pipeline.Order, nodes, nodes, s.Kernels.Count, builder.OrderEnd - builder.OrderStart);
            report.AddStage(Pipeline.MemoryPlan, nodes, nodes, s.Kernels.Count, t2 - builder.OrderEnd, $"{s.Slots.Count} slots");
        }
        return s;
    }

    /// <summary>
    /// The element type every buffer of <paramref name="f"/>'s schedule is stored in: its one float type. An i32 value
    /// (indices, labels) is stored in it too (exact for integers up to 2²⁴ in f32), and the kernels that read indices
    /// check them; a function with no float value at all is stored in f32.
    /// </summary>
    public static DType ElementType(Function f)
    {
        var types = f.Nodes().Select(n => n.DType).Where(t => t.IsFloat()).Distinct().ToArray();
        if (types.Length > 1) throw new ArgumentException("A schedule needs one element type; this function mixes f32 and f64.");
        return types.Length == 1 ? types[0] : DType.F32;
    }
}

/// <summary>What one kernel (plus any helper copies it needs first) reads and writes, in IR terms.</summary>
internal sealed class KernelPlan
{
    public readonly List<Kernel> Kernels = new();
    public readonly List<Node> Reads = new();
    public readonly List<Node> Writes = new();
    public bool IsUpdateCopy;
    public int Order => Writes.Count > 0 ? Writes.Min(w => w.Id) : int.MaxValue;
}

internal sealed partial class ScheduleBuilder
{
    private readonly Function _f;
    private readonly IReadOnlyList<Node> _nodes;
    private readonly Dictionary<Node, List<Node>> _consumers = new();
    private readonly HashSet<Node> _roots;
    private readonly DType _type;
    private readonly List<Buffer> _buffers = new();
    private readonly Dictionary<Node, Buffer> _bufferOf = new();
    private readonly Dictionary<Node, KernelPlan> _producer = new();
    private readonly List<KernelPlan> _plans = new();
    // Update value node → parameters it should be written into, and the in-place decisions taken.
    private readonly Dictionary<Node, List<Node>> _updateTargets = new();
    private readonly Dictionary<Node, Node> _inPlace = new(); // param leaf → value written into its buffer
    private readonly HashSet<Node> _copyUpdates;               // params whose update must not be written in place

    public ScheduleBuilder(Function f, HashSet<Node> copyUpdates)
    {
        _f = f;
        _copyUpdates = copyUpdates;
        _nodes = f.Nodes();
        foreach (var n in _nodes)
        {
            _consumers[n] = new List<Node>();
            foreach (var i in n.Inputs.Distinct()) _consumers[i].Add(n);
        }
        _roots = new HashSet<Node>(f.Roots);
        _type = Scheduler.ElementType(f);
        foreach (var u in f.Updates)
        {
            var p = f.Graph.Find(u.Name)!;
            if (!_updateTargets.TryGetValue(u.Node, out var list)) _updateTargets[u.Node] = list = new List<Node>();
            list.Add(p);
        }
    }

    public Schedule Build()
    {
        PlanGemms();
        PlanGroups();
        foreach (var n in ProductionOrder()) Produce(n);
        var outputs = _f.Outputs.Select(o => (o.Name, OutputBuffer(o.Node))).ToList();
        var updates = _f.Updates.Select(u => (u.Name, UpdateBuffer(_f.Graph.Find(u.Name)!, u.Node))).ToList();
        var kernels = Order();
        // The image of an im2col that the window fusion can remove stays live until the last product reading its columns,
        // which will read the image instead.
        var results = outputs.Select(o => o.Item2).Concat(updates.Select(u => u.Item2));
        var slots = MemoryPlanner.Plan(kernels, _buffers, WindowFusion.ImageReads(kernels, results));
        // The post-passes, each deciding on the order the one before left. The window fusion comes last: the meaning of
        // its kernels (the im2col, then the product) writes the columns at the product's place, which lies inside their
        // lifetime in the order it decides on, and no later pass renumbers its kernels' parts.
        var s = Col2ImFusion.Fuse(new Schedule(_f, _type, _buffers, kernels, outputs, updates, slots));
        return WindowFusion.Fuse(DenseBackwardFusion.Fuse(s));
    }

    // ---- buffers ----

    private Buffer NewBuffer(BufferKind kind, string? name, Shape shape, double[]? data = null, Buffer? viewOf = null)
    {
        var b = new Buffer(_buffers.Count, kind, name, shape, _type, data, viewOf?.Storage);
        _buffers.Add(b);
        return b;
    }

    /// <summary>The buffer holding <paramref name="n"/>'s value (creating leaf, constant and view buffers on demand).</summary>
    private Buffer Buf(Node n)
    {
        if (_bufferOf.TryGetValue(n, out var b)) return b;
        if (n.Op == Op.Input || n.Op == Op.Param)
            b = NewBuffer(n.Op == Op.Input ? BufferKind.Input : BufferKind.Param, n.Name, n.Shape);
        else if (n.Op == Op.Const && (n.Attrs.Data is not null || !_producer.ContainsKey(n)))
            b = NewBuffer(BufferKind.Const, null, n.Shape, n.Attrs.Data ?? new[] { n.Attrs.Value });
        else if (n.Op == Op.Reshape)
        {
            var src = Buf(n.A);
            b = NewBuffer(src.Kind, null, n.Shape, viewOf: src);
        }
        else if (n.Op == Op.BatchSize && !_groupOf.ContainsKey(n))
        {
            // The batch size is an instruction of the loops that read it directly. A kernel or view that reads it
            // from memory (reshape(batch_size) [1], left by the rewrites of sum(broadcast(1) [B])) gets it from a
            // one-element loop that stores it.
            var g = new Group { Root = n };
            g.Set.Add(n); g.Stored.Add(n);
            MakeLoop(g);
            return _bufferOf[n];
        }
        else throw new InvalidOperationException($"Scheduler: no buffer for {n.Describe()} ({Printer.Line(n)}); it was not produced by any kernel.");
        _bufferOf[n] = b;
        return b;
    }

    /// <summary>The buffer a kernel producing <paramref name="n"/> writes: the parameter's own buffer for a safe in-place update, else a new temporary.</summary>
    private Buffer OutBuf(Node n, IEnumerable<Node> kernelReads, bool readsAreElementwise)
    {
        if (_updateTargets.TryGetValue(n, out var targets))
            foreach (var p in targets)
                if (!_inPlace.ContainsKey(p) && CanWriteInPlace(p, n) && (readsAreElementwise || !kernelReads.Any(r => SameStorage(r, p))))
                {
                    _inPlace[p] = n;
                    return _bufferOf[n] = Buf(p);
                }
        return _bufferOf[n] = NewBuffer(BufferKind.Temp, null, n.Shape);
    }

    private static bool SameStorage(Node r, Node p) => ReferenceEquals(r, p) || (r.Op == Op.Reshape && SameStorage(r.A, p));

    /// <summary>True unless some reader of the parameter's old value depends on the new one (then the old value must survive).</summary>
    private bool CanWriteInPlace(Node p, Node value)
    {
        var readers = _consumers.TryGetValue(p, out var c) ? c : new List<Node>();
        if (_roots.Contains(p) || _copyUpdates.Contains(p)) return false; // the old value is a result, or in place was ruled out
        foreach (var r in readers)
            if (!ReferenceEquals(r, value) && DependsOn(r, value)) return false;
        return true;
    }

    private bool DependsOn(Node n, Node ancestor)
    {
        if (n.Id < ancestor.Id) return false;
        var seen = new HashSet<Node>();
        var stack = new Stack<Node>();
        stack.Push(n);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            if (ReferenceEquals(x, ancestor)) return true;
            foreach (var i in x.Inputs) if (i.Id >= ancestor.Id && seen.Add(i)) stack.Push(i);
        }
        return false;
    }

    private KernelPlan AddPlan(Kernel k, IEnumerable<Node> reads, IEnumerable<Node> writes, IEnumerable<Node> covers)
    {
        var plan = new KernelPlan();
        plan.Kernels.Add(k);
        plan.Reads.AddRange(reads.Distinct());
        plan.Writes.AddRange(writes);
        k.Nodes = covers.Distinct().OrderBy(n => n.Id).ToArray();
        foreach (var w in plan.Writes) _producer[w] = plan;
        _plans.Add(plan);
        return plan;
    }

    // ---- results ----

    /// <summary>
    /// The buffer of a named output: the temporary its kernel writes, which backends bind to the caller's
    /// output array. An output that is an input, parameter, constant, view or an earlier output is copied
    /// into a buffer of its own, so every output owns exactly its storage.
    /// </summary>
    private Buffer OutputBuffer(Node n)
    {
        var b = Buf(n);
        if (b.Kind == BufferKind.Temp && b.ViewOf is null && !b.IsOutput && !_outputStorages.Contains(b)) { b.IsOutput = true; _outputStorages.Add(b); return b; }
        var copy = NewBuffer(BufferKind.Temp, null, n.Shape);
        copy.IsOutput = true;
        _outputStorages.Add(copy);
        AddPlan(new CopyKernel(Op.Reshape, b, copy, Array.Empty<int>()), new[] { n }, Array.Empty<Node>(), new[] { n });
        return copy;
    }

    private readonly HashSet<Buffer> _outputStorages = new();

    private Buffer UpdateBuffer(Node p, Node value)
    {
        var target = Buf(p);
        if (_inPlace.TryGetValue(p, out var w) && ReferenceEquals(w, value)) return target;
        var plan = AddPlan(new CopyKernel(Op.Reshape, Buf(value), target, Array.Empty<int>()), new[] { value }, Array.Empty<Node>(), new[] { value });
        plan.IsUpdateCopy = true;
        _inPlace[p] = value;
        return target;
    }

    // ---- ordering ----

    /// <summary>
    /// Topological order of the plans by data dependences plus write-after-read edges (every reader of a
    /// parameter's old value runs before the kernel that overwrites it); ties go to the earliest IR node,
    /// and update copies go last.
    /// </summary>
    private List<Kernel> Order()
    {
        if (Clock is not null) OrderStart = Clock.Elapsed.TotalMilliseconds;
        var index = new Dictionary<KernelPlan, int>();
        for (int i = 0; i < _plans.Count; i++) index[_plans[i]] = i;
        var after = _plans.Select(_ => new HashSet<int>()).ToArray(); // plan → plans that must wait for it
        var indegree = new int[_plans.Count];
        void Edge(KernelPlan from, KernelPlan to)
        {
            if (!ReferenceEquals(from, to) && after[index[from]].Add(index[to])) indegree[index[to]]++;
        }
        var readersOfParam = new Dictionary<Node, List<KernelPlan>>();
        foreach (var plan in _plans)
            foreach (var r in plan.Reads)
            {
                var src = Source(r);
                if (_producer.TryGetValue(src, out var prod)) Edge(prod, plan);
                if (src.Op == Op.Param)
                {
                    if (!readersOfParam.TryGetValue(src, out var list)) readersOfParam[src] = list = new List<KernelPlan>();
                    list.Add(plan);
                }
            }
        foreach (var plan in _plans)
            foreach (var w in plan.Kernels.SelectMany(k => k.Writes))
                if (w.Kind == BufferKind.Param && readersOfParam.TryGetValue(_f.Graph.Find(w.Name!)!, out var readers))
                    foreach (var reader in readers) Edge(reader, plan);

        var ready = new SortedSet<(int Copy, int Order, int Index)>();
        for (int i = 0; i < _plans.Count; i++)
            if (indegree[i] == 0) ready.Add(Key(i));
        var result = new List<Kernel>();
        while (ready.Count > 0)
        {
            var next = ready.Min; ready.Remove(next);
            foreach (var k in _plans[next.Index].Kernels) { k.Id = result.Count; result.Add(k); }
            foreach (var j in after[next.Index])
                if (--indegree[j] == 0) ready.Add(Key(j));
        }
        if (result.Count != _plans.Sum(p => p.Kernels.Count))
        {
            // Planned gave up every in-place update that closes a cycle: what is left is a bug, or plain copies in a cycle.
            var stuck = _plans.Where((p, i) => indegree[i] > 0).SelectMany(p => p.Kernels.SelectMany(k => k.Writes))
                .Where(w => w.Kind == BufferKind.Param).Select(w => _f.Graph.Find(w.Name!)!).Where(p => !_copyUpdates.Contains(p)).OrderBy(p => p.Id).FirstOrDefault();
            if (stuck is null) throw new InvalidOperationException("Scheduler: the kernels have a dependence cycle that no in-place update explains.");
            throw new InvalidOperationException($"Scheduler: the in-place update of \"{stuck.Name}\" closes a dependence cycle that the in-place analysis did not foresee.");
        }
        if (Clock is not null) OrderEnd = Clock.Elapsed.TotalMilliseconds;
        return result;

        (int, int, int) Key(int i) => (_plans[i].IsUpdateCopy ? 1 : 0, _plans[i].Order, i);
    }

    /// <summary>When set, <see cref="Order"/> records on it when ordering starts and ends (the stage times of the report).</summary>
    internal Stopwatch? Clock;
    internal double OrderStart, OrderEnd, PlanMs;
    internal int CopiedUpdates => _copyUpdates.Count;
    private bool _planned; // PlanGemms and PlanGroups have run: Build does not run them again

    // ---- in-place updates, decided before any kernel or buffer exists ----

    /// <summary>
    /// A builder with fusion planned (<see cref="PlanGemms"/>, <see cref="PlanGroups"/>) and the parameters whose
    /// updates must not be written in place decided, ready for <see cref="Build"/>. Each update is written into its
    /// parameter's buffer when no reader of the old value depends on the new one (<see cref="CanWriteInPlace"/>), but
    /// fusion can still close a cycle between kernels: with <c>w0' = w0 − w1/8</c> and <c>w1' = w1 − w0/8</c> each
    /// loop reads the other's parameter, so each must run before the other overwrites it. This builds the kernel graph
    /// the fusion plan will give — data edges, plus "every reader of a parameter's old value runs before the kernel that
    /// overwrites it" — finds the kernels stuck on a cycle, and gives up the in-place update of the stuck parameter with
    /// the lowest node id (its update goes to a temporary, copied in at the end), until no cycle is left. Only when that
    /// parameter's update was a GEMM epilogue does the fusion plan change, and then it is planned again.
    /// </summary>
    internal static ScheduleBuilder Planned(Function f, Stopwatch? clock = null)
    {
        var copied = new HashSet<Node>();
        double planMs = 0;
        while (true)
        {
            double start = clock?.Elapsed.TotalMilliseconds ?? 0;
            var b = new ScheduleBuilder(f, copied) { Clock = clock };
            b.PlanGemms();
            var gemmUpdates = new HashSet<Node>(b._inPlace.Keys);
            b.PlanGroups();
            b._planned = true;
            planMs += (clock?.Elapsed.TotalMilliseconds ?? 0) - start;
            bool replan = false;
            if (f.Updates.Count > 0)
                while (!replan && b.StuckParam() is { } p)
                {
                    copied.Add(p);
                    replan = gemmUpdates.Contains(p);
                }
            if (!replan) { b.PlanMs = planMs; return b; }
        }
    }

    /// <summary>
    /// On a planned builder (GEMMs and groups, no buffers yet): the kernel plans <see cref="Build"/> will make, with
    /// the in-place decisions <see cref="OutBuf"/> and <see cref="UpdateBuffer"/> will take, ordered as
    /// <see cref="Order"/> orders them; returns the stuck parameter of lowest id not yet copied, or null when the
    /// order is complete (or no such parameter is left: then <see cref="Order"/> reports the cycle).
    /// </summary>
    private Node? StuckParam()
    {
        var reads = new List<IReadOnlyList<Node>>();
        var writesParam = new List<List<Node>>();
        var producer = new Dictionary<Node, int>();
        var inPlace = new Dictionary<Node, Node>(_inPlace); // param → value (the GEMM epilogues so far)
        int Plan(IEnumerable<Node> r, IEnumerable<Node> writes)
        {
            reads.Add(r.Distinct().ToList());
            writesParam.Add(new List<Node>());
            foreach (var w in writes) producer[w] = reads.Count - 1;
            return reads.Count - 1;
        }
        void Target(int plan, Node n, IReadOnlyList<Node> kernelReads, bool readsAreElementwise)
        {
            if (!_updateTargets.TryGetValue(n, out var targets)) return;
            foreach (var p in targets)
                if (!inPlace.ContainsKey(p) && CanWriteInPlace(p, n) && (readsAreElementwise || !kernelReads.Any(r => SameStorage(r, p))))
                {
                    inPlace[p] = n;
                    writesParam[plan].Add(p);
                    return;
                }
        }
        foreach (var n in _nodes)
        {
            if (!_required.Contains(n) || !ReferenceEquals(_keyOf[n], n)) continue;
            if (_gemmAt.TryGetValue(n, out var gm))
            {
                var r = GemmReads(gm).ToList();
                int k = Plan(r, new[] { gm.Out });
                if (gm.Param is not null) writesParam[k].Add(gm.Param);
                else Target(k, gm.Out, r, false);
            }
            else if (_groupOf.TryGetValue(n, out var g))
            {
                var loads = Loads(g).ToList();
                int k = Plan(loads, g.Stored);
                foreach (var m in g.Stored) Target(k, m, loads, true);
            }
            else if (n.Op.Kind == OpKind.Reduce)
            {
                var loads = KernelReads(n).ToList();
                Target(Plan(loads, new[] { n }), n, loads, false);
            }
            else if (n.Op.Kind == OpKind.Normalize)
            {
                var members = _nodes.Where(m => ReferenceEquals(_keyOf[m], n)).ToList();
                int k = Plan(new[] { n.A }, members);
                foreach (var m in members.GroupBy(m => m.Op).Select(ms => ms.First())) Target(k, m, new[] { n.A }, false);
            }
            else if (PoolKernel.Handles(n.Op)) Target(Plan(n.Inputs, new[] { n }), n, n.Inputs, false);
            else if (_poolMaskAt.TryGetValue(n, out var pool)) Target(Plan(pool.Inputs, new[] { n }), n, pool.Inputs, false);
            else if (n.Op == Op.Transpose || n.Op.Kind == OpKind.Window) Target(Plan(new[] { n.A }, new[] { n }), n, new[] { n.A }, false);
            else if (n.Op.Kind == OpKind.Movement)
            {
                var parts = n.Inputs.Distinct().ToList();
                Target(Plan(parts, new[] { n }), n, parts, false);
            }
            else if (n.Op.Kind == OpKind.Index) Target(Plan(n.Inputs, new[] { n }), n, n.Inputs, false);
        }
        foreach (var u in _f.Updates)
        {
            var p = _f.Graph.Find(u.Name)!;
            if (inPlace.TryGetValue(p, out var w) && ReferenceEquals(w, u.Node)) continue;
            writesParam[Plan(new[] { u.Node }, Array.Empty<Node>())].Add(p);
            inPlace[p] = u.Node;
        }

        // Data edges and write-after-read edges, as in Order.
        int count = reads.Count;
        var after = new HashSet<int>[count];
        for (int i = 0; i < count; i++) after[i] = new HashSet<int>();
        var indegree = new int[count];
        void Edge(int from, int to) { if (from != to && after[from].Add(to)) indegree[to]++; }
        var readers = new Dictionary<Node, List<int>>();
        for (int i = 0; i < count; i++)
            foreach (var r in reads[i])
            {
                var src = Source(r);
                if (producer.TryGetValue(src, out var prod)) Edge(prod, i);
                if (src.Op == Op.Param)
                {
                    if (!readers.TryGetValue(src, out var list)) readers[src] = list = new List<int>();
                    list.Add(i);
                }
            }
        for (int i = 0; i < count; i++)
            foreach (var p in writesParam[i])
                if (readers.TryGetValue(p, out var list))
                    foreach (var r in list) Edge(r, i);
        var ready = new Stack<int>();
        for (int i = 0; i < count; i++) if (indegree[i] == 0) ready.Push(i);
        int done = 0;
        while (ready.Count > 0)
        {
            int i = ready.Pop(); done++;
            foreach (var j in after[i]) if (--indegree[j] == 0) ready.Push(j);
        }
        if (done == count) return null;
        return Enumerable.Range(0, count).Where(i => indegree[i] > 0).SelectMany(i => writesParam[i])
            .Where(p => !_copyUpdates.Contains(p)).OrderBy(p => p.Id).FirstOrDefault();
    }

    // A reshape reads its source's storage: depend on whoever produced the source.
    private static Node Source(Node n) => n.Op == Op.Reshape ? Source(n.A) : n;
}
