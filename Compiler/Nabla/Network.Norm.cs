using System;
using System.Linq;

namespace Nabla;

// The batch-size rule of layers that normalize with batch statistics in training (BatchNorm: more than one value per
// channel), checked before a training step runs rather than leaving a NaN running variance behind.
public sealed partial class Network
{
    private int _minTrainBatch = -1;
    private string _minTrainBatchWhy = "";

    /// <summary>The smallest batch a training step accepts (2 with a BatchNorm over one value per channel, else 1), and why.</summary>
    internal (int Rows, string Why) MinimumTrainingBatch
    {
        get { CheckTrainingBatch(int.MaxValue); return (_minTrainBatch, _minTrainBatchWhy); }
    }

    private void CheckTrainingBatch(int batch, string method = "TrainStep")
    {
        if (_minTrainBatch < 0)
        {
            _minTrainBatch = 1;
            foreach (var (path, m) in Model.Network.Paths())
                if (m is BatchNorm bn && bn.MinimumTrainingBatch > _minTrainBatch)
                {
                    _minTrainBatch = bn.MinimumTrainingBatch;
                    _minTrainBatchWhy = $"{LayerException.Where(path, bn.Description)} normalizes its input {bn.InputShape} with the batch's statistics, " +
                        $"which needs more than one value per channel: train with batches of at least {bn.MinimumTrainingBatch} (PyTorch refuses this too)";
                }
        }
        if (batch < _minTrainBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{method} on a batch of {batch}: {_minTrainBatchWhy}.");
    }
}
