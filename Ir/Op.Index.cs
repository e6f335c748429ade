using System;

namespace Nabla.Ir;

// The part of the registry entry that the integer element type (DType.I32) needs: an op whose result type is not its
// first input's, and the entry builders of the index ops (gather, scatter_add, one_hot) and cast.
public sealed partial class Op
{
    /// <summary>
    /// The element type of the result, for ops whose result type is not their first input's (<c>cast</c>, <c>one_hot</c>,
    /// <c>gather</c> and <c>scatter_add</c>, whose second input holds i32 indices); such an op's <see cref="ShapeRule"/>
    /// checks its inputs' types itself. Null for every other op: its inputs share one type, which must be a float type
    /// unless the op only moves data (reshape, transpose, broadcast), and the result has that type.
    /// </summary>
    public Func<Attrs, Node[], DType>? TypeRule { get; private set; }

    // The result type of an index op: gather and scatter_add keep their first input's, one_hot has the type it names.
    private static DType IndexType(Attrs attrs, Node[] inputs) =>
        attrs is IndexAttrs { Type: { } t } ? t : inputs.Length > 0 ? inputs[0].DType : DType.F32;

    private static Op Indexing(string name, int arity, string summary, Func<Op, Attrs, Node[], Shape> shape, Func<Node, Tensor[], int[], Tensor> reference,
        Func<Node, Node, Node?[]> vjp, Func<Node, Node?[], Node?> jvp, string runtime) =>
        new(name, OpKind.Index, arity, summary)
        {
            AttrsType = typeof(IndexAttrs), ShapeRule = shape, Reference = reference, Vjp = vjp, Jvp = jvp, RuntimeFunction = runtime,
            TypeRule = IndexType,
        };

    // cast: an elementwise op (it fuses into loops) whose scalar function truncates toward zero, which is the identity on
    // the integers an i32 tensor holds; its result type is the one its CastAttrs name.
    private static Op CastEntry()
    {
        var op = Elementwise(new Op("cast", OpKind.Elementwise, 1, "converts between i32 and a float type; to i32 truncates toward zero", x => Math.Truncate(x), null),
            (y, g) => new Node?[] { null }, (y, t) => null, OpFacts.None, null);
        op.AttrsType = typeof(CastAttrs);
        op.ShapeRule = ShapeRules.Cast;
        op.TypeRule = (attrs, inputs) => attrs is CastAttrs c ? c.Type : inputs.Length > 0 ? inputs[0].DType : DType.F32;
        return op;
    }
}
