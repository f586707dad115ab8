//! Two pieces of work at once: on a second thread when the system gives one, one after the
//! other on this thread when it does not (a process limit reached), never a panic for it.

use std::sync::{Mutex, PoisonError};

/// Runs `a` on a new thread while `b` runs on this one, and returns both results. A panic in
/// `a` is resumed here.
pub(crate) fn both<RA, RB>(a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB) -> (RA, RB)
where
    RA: Send,
{
    // The work sits where either thread can take it: if the thread cannot be started, this
    // one takes it afterwards.
    let slot = Mutex::new(Some(a));
    let take = || slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    std::thread::scope(|scope| {
        let helper = if one_thread() {
            Err(std::io::ErrorKind::WouldBlock.into())
        } else {
            // As much stack as the main thread: tree walks recurse once per level, up to
            // git's own maximum depth.
            std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(scope, || take().map(|a| a()))
        };
        let rb = b();
        let ra = match helper {
            Ok(helper) => helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        };
        let ra = ra.or_else(|| take().map(|a| a()));
        (ra.expect("the work ran on one thread or the other"), rb)
    })
}

#[cfg(test)]
thread_local! {
    /// Unit tests set this to run [`both`] as if no second thread could be started.
    pub static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn one_thread() -> bool {
    #[cfg(test)]
    return ONE_THREAD.with(std::cell::Cell::get);
    #[cfg(not(test))]
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_results_come_back() {
        let data = [1, 2, 3, 4];
        let (a, b) = super::both(
            || data[..2].iter().sum::<i32>(),
            || data[2..].iter().sum::<i32>(),
        );
        assert_eq!((a, b), (3, 7));
    }

    #[test]
    fn without_a_second_thread_the_work_runs_after() {
        let order = std::sync::Mutex::new(Vec::new());
        super::ONE_THREAD.with(|one| one.set(true));
        let (a, b) = super::both(
            || {
                order.lock().unwrap().push("a");
                1
            },
            || {
                order.lock().unwrap().push("b");
                2
            },
        );
        super::ONE_THREAD.with(|one| one.set(false));
        assert_eq!((a, b), (1, 2));
        assert_eq!(*order.lock().unwrap(), ["b", "a"]);
    }
}
