using Nabla;
using Nabla.Ir;

namespace GeneratedModel;

/// <summary>
/// The MNIST-1D MLP of <see cref="Mnist1dMlp"/> with a custom op for its activations: a softplus,
/// <c>log(1 + exp(x))</c>, written to never overflow (<c>relu(x) + log1p(exp(-|x|))</c>) and given its derivative by
/// hand (<c>sigmoid(x)</c>) instead of the one autodiff would derive from that forward. The generator runs
/// <c>Op.Define</c> at build time, differentiates the model with the op's own rule and inlines the op, so the compiled
/// model (and the NativeAOT binary) contains only built-in ops. Train it with <c>--model softplus</c>.
/// </summary>
[Network]
public static partial class Mnist1dSoftplusMlp
{
    /// <summary>The custom op: a stable softplus with its hand-written VJP (<c>g · sigmoid(x)</c>).</summary>
    private static readonly Op StableSoftplus = Op.Define("stable_softplus",
        x => F.Relu(x) + F.Log1p(F.Exp(-F.Abs(x))),
        vjp: (y, g) => new[] { g * F.Sigmoid(y.A) });

    /// <summary>40 → 100 → 100 → 10 with softplus activations and the residual connection; seeded as <see cref="Mnist1dMlp"/>.</summary>
    public static Model Build()
    {
        var linear1 = new Dense(40, 100);
        var linear2 = new Dense(100, 100);
        var linear3 = new Dense(100, 10);
        var net = Module.Lambda("ResidualSoftplusMlp", x =>
        {
            var h = StableSoftplus.Call(linear1[x]);
            h = h + StableSoftplus.Call(linear2[h]);
            return linear3[h];
        }, ("linear1", linear1), ("linear2", linear2), ("linear3", linear3));
        return Model.Build(net, inputWidth: 40, seed: 1);
    }

    /// <summary>Softmax cross-entropy and Adam, as <see cref="Mnist1dMlp"/>.</summary>
    public static TrainingSetup Training() => TrainingSetup.Classification(Optimizer.Adam(Mnist1dMlp.LearningRate));
}
