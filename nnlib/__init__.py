"""nnlib: a small NumPy neural-network library for the space-vs-time reproduction book.

Models: :class:`MLP` (dense layers), :class:`RecursiveNet` (one layer applied D times, study 000)
and :class:`RNN` (vanilla tanh RNN, study 001), and :class:`UntiedRNN`, the RNN's twin with its own
weights at every step (the book's control).  Building blocks: :class:`Dense`, the activations, the costs
and the initialisers.  Optimisers: :class:`SGD`, :class:`Adam`.  Data: :mod:`nnlib.data`.
"""
from . import activations, costs, initializers
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, get_activation
from .costs import BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError, Quadratic, get_cost
from .layers import Dense
from .mlp import MLP
from .model import History, Model
from .persistence import ModelFileError, load_model, save_model
from .optimizers import Adam, SGD, get_optimizer
from .recursive import RecursiveNet
from .rnn import RNN
from .untied_rnn import UntiedRNN

__version__ = "0.1.0"

__all__ = [
    "MLP", "RecursiveNet", "RNN", "UntiedRNN", "Dense", "Model", "History", "load_model", "ModelFileError",
    "SGD", "Adam", "get_optimizer",
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softmax", "Identity", "get_activation",
    "Quadratic", "MeanSquaredError", "BinaryCrossEntropy", "CategoricalCrossEntropy", "get_cost",
    "activations", "costs", "initializers",
]
