using Nabla.Ir;

namespace Nabla;

/// <summary>
/// A lookup table of <see cref="Count"/> vectors of width <see cref="Width"/>, PyTorch's <c>nn.Embedding</c>: the
/// parameter <c>weight</c> [count, width] (initialized from N(0, 1) as in PyTorch), and for i32 indices x [B, …]
/// (an input declared with <see cref="InputSpec.Indices"/>) the rows <c>weight[x]</c> of shape [B, …, width] (a
/// <see cref="F.Gather"/> along axis 0; its gradient adds each example's row gradient into the rows it selected, so a
/// repeated index accumulates). Every index must be an integer in [0, count): the compiled kernel and the interpreter
/// throw an error naming this layer, the index and the range otherwise.
/// </summary>
public sealed class Embedding : Module
{
    private readonly Initializer? _init;

    /// <summary>A table of <paramref name="count"/> vectors of width <paramref name="width"/>.</summary>
    public Embedding(int count, int width, Initializer? init = null) : base("Embedding")
    {
        Count = count; Width = width; _init = init;
        if (count <= 0) throw LayerError($"the number of embeddings must be positive, got {count}");
        if (width <= 0) throw LayerError($"the embedding width must be positive, got {width}");
    }

    /// <summary>The number of vectors (valid indices are [0, Count)).</summary>
    public int Count { get; }
    /// <summary>The width of each vector.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public override string Description => $"Embedding {Count}×{Width}";

    /// <inheritdoc/>
    protected override Node Forward(Node x)
    {
        if (x.DType != DType.I32)
            throw LayerError($"expects i32 indices (declare the input with InputSpec.Indices), got {x.DType.ShortName()}{x.Shape}");
        var w = Param("weight", Shape.Of(Count, Width), ParamRole.Weight, _init ?? Initializer.NormalWithStd(1.0));
        return F.Gather(w, x, 0);
    }
}
