#!/bin/bash
# A legacy submit script in the shape of Muon g-2's production submitter (invented values):
# it builds one command string and runs it unquoted, so bash word-splits it and the
# literal quotes reach jobsub_submit, as they reached the legacy client.
set -o pipefail

OUTDIR=/pnfs/GM2/scratch/users/$USER/example
LINES_OPT=""                       # empty: the line below becomes --lines=''
REQ='(TARGET.Arch == "X86_64")'    # a requirement with spaces: three words after $CMD
mkdir -p example_out
JOB="$(cd "$(dirname "$0")" && pwd)/gm2_job.sh"

CMD="jobsub_submit -G gm2 -M --jobsub-server=https://fifebatch.fnal.gov:8443"
CMD="$CMD -N 2 --memory=2000MB --disk=10GB --expected-lifetime=3600"
CMD="$CMD --resource-provides=usage_model=DEDICATED,OPPORTUNISTIC,OFFSITE"
CMD="$CMD --lines='${LINES_OPT}' --append_condor_requirements='${REQ}'"
CMD="$CMD -e RUNSET=7 -e CALIB_MODE= -dOUT ${OUTDIR}"
CMD="$CMD file://${JOB} --fcl run.fcl ${OUTDIR} 2 -1"

echo "$CMD" | tee -a example_out/submission.log
if $CMD 2>&1 | tee -a example_out/submission.log; then
    JOBID=$(grep 'JobsubJobId of first job' example_out/submission.log | awk '{print $5}')
    echo "submitted: $JOBID"
else
    echo '!!!Job submission failed!'
    exit 1
fi
