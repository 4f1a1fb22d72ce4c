import os

# Quiet TensorFlow in the test process. (Do not set MPLBACKEND here: nbval's kernels inherit the
# environment and would lose the inline backend, so their figures would silently vanish.)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
