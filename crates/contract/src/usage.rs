//! What an attempt's processes used: CPU time and peak memory.

use std::time::Duration;

/// The resources one attempt used, where wfc can tell: a process step's
/// from the kernel's accounting when it is reaped (`wait4`), a container's
/// from the engine's stats. Steps that run no process of their own (`http`,
/// `gate`, Slurm jobs, …) have none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU time, user and system, of the process and of the descendants it
    /// waited for (a process left running, or never waited for, is not
    /// counted).
    pub cpu: Duration,
    /// Peak resident memory in bytes: the largest of those processes'
    /// (the kernel keeps one high-water mark per process, not their sum).
    /// `None` when it cannot be told: Linux counts in the figure of a
    /// process the memory of the one that started it, so a step that used
    /// less than wfc itself reads as wfc's own peak.
    pub peak_memory: Option<u64>,
}

impl Usage {
    /// Two runs of work one after the other (a step's attempts, or its
    /// dependencies' install then its script): CPU adds up, the peak is the
    /// larger.
    pub fn then(self, next: Usage) -> Usage {
        Usage {
            cpu: self.cpu + next.cpu,
            peak_memory: self.peak_memory.max(next.peak_memory),
        }
    }

    /// [`Usage::then`] over optional usages: `None` only when both are.
    pub fn and(a: Option<Usage>, b: Option<Usage>) -> Option<Usage> {
        match (a, b) {
            (Some(a), Some(b)) => Some(a.then(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_adds_up_and_the_peak_is_the_larger() {
        let a = Usage {
            cpu: Duration::from_millis(300),
            peak_memory: Some(10 << 20),
        };
        let b = Usage {
            cpu: Duration::from_millis(200),
            peak_memory: None,
        };
        let both = Usage {
            cpu: Duration::from_millis(500),
            peak_memory: Some(10 << 20),
        };
        assert_eq!(a.then(b), both);
        assert_eq!(Usage::and(Some(a), Some(b)), Some(both));
        assert_eq!(Usage::and(None, Some(b)), Some(b));
        assert_eq!(Usage::and(None, None), None);
    }
}
