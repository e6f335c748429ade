namespace Nabla.Ir;

// Builders of the integer element type's ops: cast, gather, scatter_add and one_hot.
public static partial class F
{
    /// <summary>
    /// <paramref name="x"/> converted to <paramref name="type"/> (x itself when it already has it). One side must be
    /// <see cref="DType.I32"/>: float → i32 truncates toward zero — a compiled model keeps i32 values in its float arrays, so a value outside the
    /// i32 range, an infinity or NaN is not checked here and passes through as it is (index kernels check what they read);
    /// i32 → float is exact. No gradient flows through a cast.
    /// </summary>
    public static Node Cast(Node x, DType type) => x.DType == type ? x : x.Graph.Make(Op.Cast, new CastAttrs(type), x);

    /// <summary>
    /// Selects along <paramref name="axis"/> of <paramref name="x"/> by the i32 <paramref name="indices"/> (NumPy's
    /// <c>np.take(x, indices, axis)</c>; PyTorch's <c>index_select</c> for 1-D indices, and an embedding lookup
    /// <c>weight[indices]</c> for axis 0): the result has shape <c>x.shape[:axis] + indices.shape + x.shape[axis+1:]</c>.
    /// Every index must be an integer in [0, x.shape[axis]); the interpreter and compiled kernels throw an
    /// <see cref="System.ArgumentOutOfRangeException"/> naming the op, the index and the range otherwise. The gradient
    /// with respect to x is <see cref="ScatterAdd"/> (repeated indices accumulate); none flows into the indices.
    /// </summary>
    public static Node Gather(Node x, Node indices, int axis = 0) =>
        x.Graph.Make(Op.Gather, new IndexAttrs(Axis(Op.Gather, x, axis)), x, indices);

    /// <summary>
    /// The adjoint of <see cref="Gather"/>: a tensor of zeros of shape <c>updates.shape[:axis] + [size] + updates.shape[axis+indices.rank:]</c>
    /// into which each slice of <paramref name="updates"/> is added at its index along <paramref name="axis"/> (repeated
    /// indices accumulate, in order). <c>updates.shape[axis:axis+indices.rank]</c> must equal the indices' shape.
    /// </summary>
    public static Node ScatterAdd(Node updates, Node indices, int axis, int size) =>
        updates.Graph.Make(Op.ScatterAdd, new IndexAttrs(axis, size), updates, indices);

    /// <summary>
    /// One-hot rows of the i32 class <paramref name="indices"/>: shape <c>indices.shape + [classes]</c>, of element type
    /// <paramref name="type"/> (a float type), 1 at each index and 0 elsewhere (PyTorch's <c>one_hot</c>). Every index must
    /// be an integer in [0, classes); the kernels throw otherwise.
    /// </summary>
    public static Node OneHot(Node indices, int classes, DType type) =>
        indices.Graph.Make(Op.OneHot, new IndexAttrs(indices.Shape.Rank, classes, type), indices);
}
