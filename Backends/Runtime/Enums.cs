namespace Nabla.Runtime;

/// <summary>Elementwise activation applied in a GEMM epilogue.</summary>
public enum Activation
{
    /// <summary>No activation: the result is stored as computed.</summary>
    None = 0,

    /// <summary>Rectified linear unit, <c>max(x, 0)</c>; NaN stays NaN.</summary>
    Relu = 1,
}

/// <summary>How a bias vector is added to a GEMM result C[m, n].</summary>
public enum BiasMode
{
    /// <summary>No bias; the bias array may be null.</summary>
    None = 0,

    /// <summary><c>bias[j]</c> is added to <c>C[i, j]</c> (dense layer <c>y = x·Wᵀ + b</c>); the bias has n entries.</summary>
    PerColumn = 1,

    /// <summary><c>bias[i]</c> is added to <c>C[i, j]</c> (convolution <c>W·im2col</c>); the bias has m entries.</summary>
    PerRow = 2,
}
