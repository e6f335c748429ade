using Nabla;

namespace GeneratedModel;

/// <summary>
/// The MNIST-1D paper's MLP (40 → 100 → 100 → 10, ReLU, a residual connection around the second layer; 15,210
/// parameters), trained with softmax cross-entropy and Adam (lr 0.01). The Nabla source generator compiles it at
/// build time: it adds <c>Compiled</c> (forward, evaluation and training step as ordinary C#), <c>Signature</c> and
/// <c>CreateNetwork()</c> to this class.
/// </summary>
[Network]
public static partial class Mnist1dMlp
{
    /// <summary>The learning rate of the notebook.</summary>
    public const double LearningRate = 0.01;

    /// <summary>The network and its initial weights (seeded, so every build and run starts from the same weights).</summary>
    public static Model Build()
    {
        var linear1 = new Dense(40, 100);
        var linear2 = new Dense(100, 100);
        var linear3 = new Dense(100, 10);
        var net = Module.Lambda("ResidualMlp", x =>
        {
            var h = Act.Relu(linear1[x]);
            h = h + Act.Relu(linear2[h]);
            return linear3[h];
        }, ("linear1", linear1), ("linear2", linear2), ("linear3", linear3));
        return Model.Build(net, inputWidth: 40, seed: 1);
    }

    /// <summary>Softmax cross-entropy (mean over the batch) and Adam.</summary>
    public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Adam(LearningRate));
}
