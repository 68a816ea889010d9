#!/bin/bash
# Plain command lines, with continuations and a command substitution.
jobsub_submit -G gm2 --mail_always \
    --memory=2000MB --OS=SL7 \
    -d OUT /pnfs/GM2/scratch/users/alice/out \
    file:///pnfs/GM2/scratch/users/alice/job.sh run.fcl -1

JOB=$(jobsub_submit -G gm2 --mail_on_error --expected-lifetime=86400s file:///pnfs/GM2/job.sh | tail -1)
jobsub_submit --group=gm2 --blocklist=SiteA -l +Tag=calib --site SiteB file:///x.sh
jobsub_rm -G gm2 --jobsub-server=https://fifebatch.fnal.gov:8443 --jobid="$JOB"
jobsub_submit -G gm2 --mail_always --expected-lifetime=3600s file://$PWD/job.sh
jobsub_submit_dag -G gm2 --maxConcurrent=2 file://flow.dag
