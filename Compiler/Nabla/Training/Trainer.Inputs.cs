using System;
using System.Linq;
using Nabla.Data;
using Nabla.Lowering;

namespace Nabla.Training;

public static partial class Trainer
{
    /// <summary>
    /// How a dataset feeds a model with several inputs (e.g. the two views of a siamese model) or with no target (a
    /// loss between outputs): each example of the dataset holds every input's values side by side in signature order
    /// (<see cref="Dataset.Zip"/> makes such a dataset), and each batch is split into one array per input. A single
    /// target, if any, comes from the labels as for one input.
    /// </summary>
    private sealed class MultiFeed
    {
        private readonly int[] _widths;
        private readonly float[][] _inputs;
        private readonly float[][] _targets;
        private readonly bool _indexTargets;
        private float[] _targetBuffer = Array.Empty<float>();

        public MultiFeed(Network network, Dataset data, string what)
        {
            var sig = network.Signature;
            if (sig.Targets.Count > 1)
                throw new ArgumentException($"Trainer.Fit feeds at most one target from the labels; \"{sig.ModelName}\" has {sig.Targets.Count} targets ({string.Join(", ", sig.Targets)}). Call Network.TrainStep with arrays instead.");
            _widths = Enumerable.Range(0, sig.Inputs.Count).Select(i => network.InputWidth(i)).ToArray();
            int total = _widths.Sum();
            if (data.ExampleSize != total)
                throw new ArgumentException($"The {what} has examples of shape [{string.Join(",", data.ExampleShape)}] ({data.ExampleSize} values), but the network's inputs {string.Join(", ", sig.Inputs)} take {total} values per example together; " +
                    "give one dataset per input side by side with Dataset.Zip, in the signature's order.");
            _inputs = new float[sig.Inputs.Count][];
            for (int i = 0; i < _inputs.Length; i++) _inputs[i] = Array.Empty<float>();
            _targets = new float[sig.Targets.Count][];
            if (sig.Targets.Count == 1)
            {
                var target = sig.Targets[0];
                if (data.Targets is not null)
                {
                    Feed.CheckTargetSize(network, data, what, target);
                    return;
                }
                if (data.Labels is null) throw new ArgumentException($"The {what} has no labels or targets; the network's target \"{target.Name}\" needs them.");
                int tw = network.TargetWidth();
                if (tw == data.Classes) { }
                else if (tw == 1 && target.Shape.Count == 1) _indexTargets = true;
                else throw new ArgumentException($"The {what} has {data.Classes} classes, but the network's target {target} takes {tw} values per example.");
                Classes = network.OutputWidth() == data.Classes ? data.Classes : 0;
            }
        }

        /// <summary>The number of classes when the first output is class scores against a label target (accuracy), else 0.</summary>
        public int Classes { get; }

        public float TrainStep(Network network, in Batch b, double lr)
        {
            Split(b);
            return network.TrainStepAt(_inputs, Targets(b), b.Count, lr);
        }

        public float ComputeGradients(Network network, in Batch b, BatchShard shard)
        {
            Split(b);
            return network.ComputeGradients(_inputs, Targets(b), b.Count, shard);
        }

        public float Evaluate(Network network, in Batch b)
        {
            Split(b);
            return network.Evaluate(_inputs, Targets(b), b.Count);
        }

        /// <summary>Copies each row's slice of every input into that input's array (allocates only when the batch grows).</summary>
        private void Split(in Batch b)
        {
            int row = _widths.Sum();
            for (int i = 0, offset = 0; i < _inputs.Length; offset += _widths[i], i++)
            {
                int w = _widths[i];
                if (_inputs[i].Length < b.Capacity * w) _inputs[i] = new float[b.Capacity * w];
                for (int r = 0; r < b.Count; r++) Array.Copy(b.X, r * row + offset, _inputs[i], r * w, w);
            }
        }

        private float[][] Targets(in Batch b)
        {
            if (_targets.Length == 0) return _targets;
            if (!_indexTargets) _targets[0] = b.T;
            else
            {
                if (_targetBuffer.Length < b.Capacity) _targetBuffer = new float[b.Capacity];
                for (int i = 0; i < b.Count; i++) _targetBuffer[i] = b.Labels[i];
                _targets[0] = _targetBuffer;
            }
            return _targets;
        }
    }
}
