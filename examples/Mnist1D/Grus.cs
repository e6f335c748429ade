using System.Globalization;
using Nabla;

namespace Mnist1D;

/// <summary>
/// The MNIST-1D notebooks' recurrent model, named as their PyTorch module names its parameters
/// (<c>rnn.weight_ih_l0</c>, …, <c>linear.weight</c>), so a checkpoint moves between the two: the 40 values are 40 time
/// steps of one feature ([B, 40] → [B, 40, 1]), a bidirectional GRU with hidden size 6 reads them, and all its steps,
/// flattened ([B, 40·2·6] = [B, 480]), feed one linear layer to the 10 classes (5,134 parameters).
/// </summary>
public static class Grus
{
    /// <summary>The notebooks' hidden size.</summary>
    public const int DefaultHidden = 6;
    /// <summary>
    /// The example's dropout before the linear layer (the notebooks have none). Chosen on a validation split held out of
    /// the training set (<c>--validation 500</c>, seeds 1–3), never on the test set; see the README section "MNIST-1D with a GRU".
    /// </summary>
    public const double DefaultDropout = 0.2;
    /// <summary>The example's learning-rate schedule for the GRU: cosine from --lr to 0 (the notebooks keep 0.01 constant); chosen as <see cref="DefaultDropout"/>.</summary>
    public const string DefaultSchedule = "cosine";

    /// <summary>
    /// [B, <paramref name="steps"/>] → view [B, steps, 1] → GRU(1, <paramref name="hidden"/>, bidirectional) → flatten →
    /// (dropout <paramref name="dropout"/> if &gt; 0) → Linear(steps·2·hidden, <paramref name="outputs"/>).
    /// </summary>
    public static Sequential Build(int steps, int hidden, int outputs, double dropout = 0)
    {
        var rnn = ("rnn", (Module)new GRU(1, hidden, bidirectional: true));
        var head = ("linear", (Module)new Dense(steps * 2 * hidden, outputs));
        return dropout > 0
            ? new Sequential(("view", new Reshape(steps, 1)), rnn, ("flatten", new Flatten()), ("dropout", new Dropout(dropout)), head)
            : new Sequential(("view", new Reshape(steps, 1)), rnn, ("flatten", new Flatten()), head);
    }

    /// <summary>"bidirectional gru 6" for progress lines and plot titles.</summary>
    public static string Describe(int hidden, double dropout) =>
        "bidirectional gru " + hidden.ToString(CultureInfo.InvariantCulture) +
        (dropout > 0 ? " dropout " + dropout.ToString(CultureInfo.InvariantCulture) : "");
}
