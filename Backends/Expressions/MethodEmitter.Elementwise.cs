using System.Collections.Generic;
using System.Linq;
using Nabla.Rewrites.Schedule;
using E = System.Linq.Expressions.Expression;

namespace Nabla.Backends.Expressions;

internal sealed partial class MethodEmitter<T>
{
    private readonly Dictionary<int, ElementOps> _opsByBits = new();

    /// <summary>
    /// Selects the vectors of the next kernel: the first of its plan's <paramref name="widths"/> that this method may use
    /// and the machine accelerates (<see cref="VectorIsa.FirstAccelerated"/>), or none (scalar code).
    /// </summary>
    private void UseVectors(IEnumerable<int> widths)
    {
        _isa = VectorIsa.FirstAccelerated(typeof(T), widths, _widest);
        int bits = _isa?.Bits ?? 0;
        if (!_opsByBits.TryGetValue(bits, out var ops)) _opsByBits[bits] = ops = new ElementOps(typeof(T), _isa);
        _ops = ops;
    }

    /// <summary>
    /// A fused elementwise loop over [rows, cols], at the first accelerated width of the kernel's <see cref="LoopPlan"/>
    /// (one width: elementwise results do not depend on it):
    /// <code>
    /// kernel-invariant values (scalar, then broadcast)
    /// for r in rows:                       (omitted when rows = 1)
    ///     row values (column-vector inputs)
    ///     c = 0
    ///     while (c &lt; (vectors ? cols − W + 1 : 0)) { vector body; c += W }
    ///     while (c &lt; cols) { scalar body; c++ }   (the tail, and the whole row when vectors are off)
    /// </code>
    /// Every load of an element happens before the stores of that element, so an output may overwrite an input it reads
    /// element for element (in place).
    /// </summary>
    private E Elementwise(ElementwiseKernel k)
    {
        bool rowLoop = !IsOne(k.Rows);
        UseVectors(k.Plan.Widths.Select(w => w.Bits));
        int W = _isa?.Width ?? 1;
        bool vectors = _isa is not null;
        var f = new Fused(k.Body, k.Inputs, a => a switch { Access.Scalar => 0, Access.Col => rowLoop ? 1 : 0, _ => 2 },
            vectors, _isa?.Type ?? typeof(T));
        var rows = Int("rows"); var cols = Int("cols"); var r = Int("r"); var c = Int("c"); var rowBase = Int("rowBase"); var vlimit = Int("vlimit");
        var outputs = k.Outputs.Select(Arr).ToArray();

        E Full() => rowLoop ? E.Add(rowBase, c) : c;
        E Index(Access a) => a switch
        {
            Access.Full => Full(),
            Access.Row => c,
            Access.Col => rowLoop ? r : E.Constant(0),
            _ => E.Constant(0),
        };

        var vectorBody = new List<E>();
        var scalarBody = new List<E>(ScalarValues(f, 2, Index));
        for (int o = 0; o < outputs.Length; o++)
            scalarBody.Add(E.Assign(E.ArrayAccess(outputs[o], Full()), f.S[k.Body.Stores[o]]));
        if (vectors)
        {
            vectorBody.AddRange(VectorValues(f, Index));
            for (int o = 0; o < outputs.Length; o++)
                vectorBody.Add(_isa!.Store(outputs[o], Full(), f.V[k.Body.Stores[o]]!));
        }

        var row = new List<E>();
        if (rowLoop) row.Add(E.Assign(rowBase, E.Multiply(r, cols)));
        row.AddRange(ScalarValues(f, 1, Index));
        row.AddRange(Broadcasts(f, 1));
        row.Add(E.Assign(c, E.Constant(0)));
        if (vectors) row.Add(While(c, vlimit, W, vectorBody.ToArray()));
        row.Add(While(c, cols, 1, scalarBody.ToArray()));

        var block = new List<E> { E.Assign(cols, Size(k.Cols)) };
        block.AddRange(ScalarValues(f, 0, Index));
        block.AddRange(Broadcasts(f, 0));
        if (vectors) block.Add(E.Assign(vlimit, E.Condition(Vectors, E.Subtract(cols, E.Constant(W - 1)), E.Constant(0))));
        if (rowLoop)
        {
            block.Add(E.Assign(rows, Size(k.Rows)));
            block.Add(For(r, E.Constant(0), rows, 1, row.ToArray()));
        }
        else block.AddRange(row);
        return E.Block(f.Variables.Concat(new[] { rows, cols, r, c, rowBase, vlimit }), block);
    }
}
