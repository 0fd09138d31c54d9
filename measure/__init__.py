"""Tools that measure this project against something else, run from the project root:

    python -m measure.mlperf_compare   the MLPerf harness against upstream's reference SUT (make mlperf-compare)
    python -m measure.reference_sut    upstream's reference SUT on today's toolchain (run by mlperf_compare)
    python -m measure.loadset          a load-realistic set, made offline (make loadset)
    python -m measure.stages           where the time goes per utterance: features, encoder, decoding (make stages)
    python -m measure.recipe_timing    make ir (both routes) against the guide's steps 5-6 by hand (make recipe-timing)

They are not part of what a user of the IR runs (rnnt_ov); they need the recipe's environments.
"""
