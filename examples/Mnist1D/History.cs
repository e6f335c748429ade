using System.Collections.Generic;

namespace Mnist1D;

/// <summary>The curves of one training run, one point per epoch (and one at the end of a partial last epoch).</summary>
public sealed class History
{
    /// <summary>The optimizer step at each point.</summary>
    public List<double> Step { get; } = new();
    /// <summary>The mean mini-batch training loss since the previous point.</summary>
    public List<double> TrainLoss { get; } = new();
    /// <summary>The mini-batch training accuracy since the previous point.</summary>
    public List<double> TrainAccuracy { get; } = new();
    /// <summary>The test loss at each point.</summary>
    public List<double> TestLoss { get; } = new();
    /// <summary>The test accuracy at each point.</summary>
    public List<double> TestAccuracy { get; } = new();
}
