#!/bin/bash
# The worker script of the example (never run here: the example stops at submission).
echo "job $JOBSUBJOBID section $JOBSUBJOBSECTION args: $*"
