#!/bin/bash
# Invented example in the shape of Muon g-2's submitter: one command string, appended
# to, echoed into the log and run unquoted (bash splits it; its quotes stay literal).
set -o pipefail

CMD="jobsub_submit -G gm2 --mail_always -N 2"
CMD="$CMD --memory=2000MB --disk=10GB --expected-lifetime=3600s"
CMD="$CMD --resource-provides=usage_model=OPPORTUNISTIC,OFFSITE"
CMD="$CMD --lines='+SingularityImage=\"/cvmfs/singularity.opensciencegrid.org/fermilab/fnal-wn-el9:latest\"'"
CMD="$CMD -e RUNSET=7 -e CALIB_MODE= -d OUT /pnfs/GM2/scratch/users/alice/out"
CMD="$CMD file:///pnfs/GM2/scratch/users/alice/job.sh --fcl run.fcl 2 -1"

echo "$CMD" | tee -a submission.log
if $CMD 2>&1 | tee -a submission.log; then
    JOBID=$(grep 'JobsubJobId of first job' submission.log | awk '{print $5}')
    echo "submitted: $JOBID"
else
    echo '!!!Job submission failed!'
    exit 1
fi
jobsub_q -G gm2 --user=alice --jobsub-server=https://fifebatch.fnal.gov:8443
